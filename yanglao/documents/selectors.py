"""Reads: the public verification answer, the print log and jobs of a user."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone

from .models import DocumentJob, IssuedDocument

NUMBER_RE = re.compile(r"^\d{4}-\d{8}$")
HASH_RE = re.compile(r"^[0-9a-f]{16,64}$")


@dataclass(frozen=True)
class Verification:
    """The public answer. Same shape whatever happened: a flag, the number as asked, and — only when a
    document with this number and this hash (or its 16-digit check code) was issued — its title, issuing
    unit and date. Never a name, an ID number, an amount or who printed it."""

    genuine: bool
    number: str
    title: str = ""
    issuing_unit: str = ""
    issued_on: Any = None


def normalise_hash(text: str) -> str:
    return "".join(str(text or "").split()).replace("-", "").lower()


def verify(number: str, digest: str) -> Verification:
    number = "".join(str(number or "").split())[:20]
    digest = normalise_hash(digest)
    if not NUMBER_RE.match(number) or not HASH_RE.match(digest):
        return Verification(False, number)
    doc = IssuedDocument.objects.filter(number=number).only("content_hash", "title", "issuing_unit", "issued_at").first()
    if doc is None or not doc.content_hash.startswith(digest):
        return Verification(False, number)
    return Verification(True, number, doc.title, doc.issuing_unit, timezone.localtime(doc.issued_at).date())


def jobs_for(user: Any) -> models.QuerySet[DocumentJob]:
    """The user's own print jobs (a job's file may hold many people's data: only its requester gets it)."""
    return DocumentJob.objects.filter(created_by=user).order_by("-created_at", "-id")


def issued_for(user: Any) -> models.QuerySet[IssuedDocument]:
    """The print log within the user's jurisdiction."""
    return IssuedDocument.objects.restrict(user).select_related("issued_by").order_by("-issued_at", "-id")


def issued_for_record(user: Any, record: models.Model) -> models.QuerySet[IssuedDocument]:
    from yanglao.core.audit import model_label

    return issued_for(user).filter(object_type=model_label(record), object_id=str(record.pk))
