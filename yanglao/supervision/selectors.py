"""Reads shared by the pages: city-wide lists (the item list, the inspector register, plans and their records)
are seen from the area they were made for and from every area inside it."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from yanglao.core.roles import ORGANISATION_ROLES

M = TypeVar("M", bound=Model)


def covering(queryset: QuerySet[M], user: Any, field: str = "division_code") -> QuerySet[M]:
    """Rows made for the user's area, an area inside it, or an area containing it (a city plan seen by a county);
    nothing for an organisation account or an account without an area."""
    prefix = getattr(user, "scope_prefix", None)
    if not getattr(user, "is_authenticated", False) or getattr(user, "role", None) in ORGANISATION_ROLES or not prefix:
        return queryset.none()
    ancestors = [prefix[:n] for n in (2, 4, 6, 9) if n < len(prefix)]
    return queryset.filter(Q(**{f"{field}__startswith": prefix}) | Q(**{f"{field}__in": ancestors}))
