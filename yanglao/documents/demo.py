"""Demo print log (演示数据): assessment reports, record cards and admission notices issued over the last
months by the demo staff, so the print log and the public verification page have real numbers to check.
Only issue records are written (numbers and content hashes); no PDF is rendered while loading."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from yanglao.core.errors import DomainError
from yanglao.core.models import User

from .models import IssuedDocument
from .registry import get_kind


def _issue_demo(kind: str, records: list, user: User, rng: random.Random) -> int:
    from .services import _issue, template_settings

    entry = get_kind(kind)
    wording = template_settings(entry)
    n = 0
    for record in records:
        try:
            content = entry.context_fn(record, user=user, reveal=False)
        except DomainError:
            continue
        issued = _issue(entry, record, content, wording, user, None)
        when = timezone.now() - dt.timedelta(days=rng.randint(1, 150), hours=rng.randint(0, 8))
        IssuedDocument.objects.filter(pk=issued.pk).update(
            issued_at=when, number=f"{timezone.localtime(when):%Y}-{issued.pk:08d}")
        n += 1
    return n


def load_demo(*, seed: int) -> str:
    if IssuedDocument.objects.exists():
        return "documents: already loaded"
    staff = User.objects.filter(username="jiangcheng").first()
    if staff is None:
        return "documents: no demo accounts"
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    with transaction.atomic():
        from yanglao.assessments.documents import report_queryset
        from yanglao.people.documents import card_queryset

        reports = list(report_queryset(staff).filter(status__in=["approved", "published"]).order_by("pk")[:12])
        counts["assessments.report"] = _issue_demo("assessments.report", reports, staff, rng)
        cards = list(card_queryset(staff).order_by("pk")[:6])
        counts["people.card"] = _issue_demo("people.card", cards, staff, rng)
        from yanglao.admissions.documents import offer_queryset

        offers = list(offer_queryset(staff).filter(status__in=["pending", "accepted"]).order_by("pk")[:4])
        counts["admissions.offer"] = _issue_demo("admissions.offer", offers, staff, rng)
    return "documents: " + ", ".join(f"{k} {v}" for k, v in counts.items())
