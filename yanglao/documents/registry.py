"""The document kinds other modules plug in (like core.todos): each module registers, from its
``AppConfig.ready()``, the forms its offices print::

    register_document(
        "assessments.report", _("老年人能力评估报告"), "assessments/doc_report.html", report_document,
        capability="assessments.view", queryset=lambda user: Assessment.objects.restrict(user),
    )

``context_fn(record, *, user, reveal)`` returns a ``DocumentContent``: the template context, the
*content fields* (what the document says, hashed for its verification), the signature lines, the seal
boxes and the division the document belongs to (for scope). It raises a ``DomainError`` when the record
cannot be printed (an assessment not yet approved). ``queryset(user)`` is the scoped set the record is
looked up in (a record outside the jurisdiction is a 404). ``size_fn(record, user)`` says how many rows
the document has: above ``job_threshold`` it is rendered in a background job and downloaded when ready.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from yanglao.core.errors import NotFound


@dataclass
class DocumentContent:
    fields: dict[str, Any]  # the content that is hashed: labels → plain values (str, numbers, lists)
    context: dict[str, Any]  # everything the template needs
    division_code: str  # the record's division (scope of the issue record)
    signatures: list[str] = field(default_factory=list)  # "评估员" → a line "评估员（签字）：____ 日期：____"
    seals: list[str] = field(default_factory=list)  # seal boxes: "审核单位（盖章）"
    label: str = ""  # what the record is, for the print log ("黄秀英 · 2026-05-03 评估")
    revealed: bool = False  # full ID numbers / phones printed (audited as a reveal)


@dataclass(frozen=True)
class DocumentKind:
    kind: str
    title: Any  # default title (lazy text); the administrator's template may change it
    template: str
    context_fn: Callable[..., DocumentContent]
    capability: str
    queryset: Callable[[Any], models.QuerySet[Any]]
    issuing_unit: Any = "阳江市民政局"
    seal_text: Any = ""
    footer: Any = ""
    size_fn: Callable[[Any, Any], int] | None = None
    job_threshold: int = 300
    reveal_capability: str = ""  # a role holding it may print full numbers (with a reason, audited)
    landscape: bool = False


_KINDS: dict[str, DocumentKind] = {}


def register_document(
    kind: str, title: Any, template: str, context_fn: Callable[..., DocumentContent], capability: str, *,
    queryset: Callable[[Any], models.QuerySet[Any]], **options: Any,
) -> DocumentKind:
    """Register a printable document kind (from AppConfig.ready). Registering a kind again replaces it."""
    entry = DocumentKind(kind=kind, title=title, template=template, context_fn=context_fn, capability=capability,
                         queryset=queryset, **options)
    _KINDS[kind] = entry
    return entry


def get_kind(kind: str) -> DocumentKind:
    try:
        return _KINDS[kind]
    except KeyError:
        raise NotFound("没有这种文书") from None


def all_kinds() -> list[DocumentKind]:
    return sorted(_KINDS.values(), key=lambda k: k.kind)
