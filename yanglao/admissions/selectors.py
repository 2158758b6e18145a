"""Reads for admissions that other modules use."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Application, ApplicationStatus


def applicants_of_organisation(organisation_id: int) -> QuerySet[Any]:
    """People who applied to an institution the organisation operates and have not withdrawn (ids, for the
    assessments' scope: an institution reads the assessment of its own applicants only)."""
    return (Application.objects.filter(institution__operator_id=organisation_id)
            .exclude(status=ApplicationStatus.WITHDRAWN).values("person_id"))
