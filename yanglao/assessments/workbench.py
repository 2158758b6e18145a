"""What the assessment module puts on the workbench: to-dos (to record, to review, reassessments due
and overdue) and the assessor's visits of today and this week, with an audited call to the family.

Every count goes through ``selectors.assessments_for`` / ``selectors.reassessments_due`` (scoped to
the user; an assessor only their assignments) and is one aggregate query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core import crypto
from yanglao.core.audit import audit_context, audit_sensitive_view
from yanglao.core.errors import Forbidden, NotFound
from yanglao.core.models import Division
from yanglao.core.todos import TodoItem
from yanglao.people.models import Contact

from . import selectors
from .choices import RECORDABLE_STATES, Status
from .models import Assessment

REVIEW_URGENT_AFTER_DAYS = 7
CALL_REASON = "上门评估联系家属"


def _today() -> dt.date:
    return timezone.localdate()


def todo_to_record(user: Any) -> TodoItem | None:
    """Assessments assigned to the user and not yet submitted (scheduled, in progress, returned)."""
    today = _today()
    agg = selectors.assessments_for(user).filter(
        Q(assessor_1=user) | Q(assessor_2=user), status__in=RECORDABLE_STATES
    ).aggregate(n=Count("pk"), oldest=Min("scheduled_on", filter=Q(scheduled_on__lt=today)),
                late=Count("pk", filter=Q(scheduled_on__lt=today)))
    if not agg["n"]:
        return None
    note = _("其中 %(n)s 项已过预约日期") % {"n": agg["late"]} if agg["late"] else ""
    return TodoItem(count=agg["n"], link=reverse("assessments:list") + "?status=to_record",
                    oldest=agg["oldest"], urgent=bool(agg["late"]), note=note,
                    oldest_label=_("最早的预约已过 %(days)s 天"))


def todo_to_review(user: Any) -> TodoItem | None:
    """Submitted assessments in the user's jurisdiction that the user did not assess (reviewer ≠ assessor)."""
    agg = (selectors.assessments_for(user).filter(status=Status.SUBMITTED)
           .exclude(assessor_1=user).exclude(assessor_2=user)
           .aggregate(n=Count("pk"), oldest=Min("submitted_at")))
    if not agg["n"]:
        return None
    oldest = agg["oldest"]
    urgent = bool(oldest and (timezone.now() - oldest).days > REVIEW_URGENT_AFTER_DAYS)
    note = _("部分已等待超过 %(days)s 天") % {"days": REVIEW_URGENT_AFTER_DAYS} if urgent else ""
    return TodoItem(count=agg["n"], link=reverse("assessments:list") + "?status=submitted", oldest=oldest,
                    urgent=urgent, note=note)


def todo_reassessments_overdue(user: Any) -> TodoItem | None:
    today = _today()
    agg = selectors.reassessments_due(user, today).filter(valid_until__lt=today).order_by().aggregate(
        n=Count("pk"), oldest=Min("valid_until"))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("assessments:due") + "?only=overdue", oldest=agg["oldest"],
                    urgent=True, note=_("评估结果已过有效期"), oldest_label=_("最久已过期 %(days)s 天"))


def todo_reassessments_due(user: Any) -> TodoItem | None:
    today = _today()
    agg = selectors.reassessments_due(user, today).filter(valid_until__gte=today).order_by().aggregate(
        n=Count("pk"), soonest=Min("valid_until"))
    if not agg["n"]:
        return None
    note = _("最早 %(day)s 到期") % {"day": f"{agg['soonest']:%Y-%m-%d}"}
    return TodoItem(count=agg["n"], link=reverse("assessments:due") + "?only=due", note=note)


# --------------------------------------------------------------------------- the assessor's week


@dataclass(frozen=True)
class Visit:
    assessment: Assessment
    age: int
    community: str
    contact: Contact | None


def week_end(day: dt.date) -> dt.date:
    """The last day of "this week" as an assessor plans it: the seven days from ``day`` (so on a Friday or a
    Sunday the coming Monday's visits still show; a calendar week would leave the weekend's phone empty)."""
    return day + dt.timedelta(days=6)


def assessor_visits(user: Any, today: dt.date | None = None) -> tuple[list[Visit], list[Visit]]:
    """The user's own open assessments scheduled for today, and for the other days of this week (the next six)."""
    today = today or _today()
    rows = list(
        selectors.assessments_for(user)
        .filter(Q(assessor_1=user) | Q(assessor_2=user), status__in=RECORDABLE_STATES,
                scheduled_on__gte=today, scheduled_on__lte=week_end(today))
        .select_related("person").order_by("scheduled_on", "pk")
    )
    codes = {a.person.division_code for a in rows}
    codes |= {code[:9] for code in codes}
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    contacts: dict[int, Contact] = {}
    kinds = {"guardian": 0, "emergency": 1}
    for c in Contact.objects.filter(person_id__in=[a.person_id for a in rows]).order_by("pk"):
        best = contacts.get(c.person_id)
        if c.phone_enc and (best is None or kinds.get(c.kind, 9) < kinds.get(best.kind, 9)):
            contacts[c.person_id] = c
    visits = [
        Visit(
            assessment=a,
            age=a.person.age_on(today),
            community=" ".join(n for n in (names.get(a.person.division_code[:9]), names.get(a.person.division_code)) if n),
            contact=contacts.get(a.person_id),
        )
        for a in rows
    ]
    return [v for v in visits if v.assessment.scheduled_on == today], [v for v in visits if v.assessment.scheduled_on != today]


def assessor_panel(user: Any) -> dict[str, Any]:
    today = _today()
    todays, later = assessor_visits(user, today)
    return {"today": today, "week_end": week_end(today), "todays": todays, "later": later}


def contact_phone_for_call(*, by: Any, assessment: Assessment, contact_id: int, reason: str = CALL_REASON) -> str:
    """The full phone of the person's contact, for the assigned assessor to call: a reveal, audited with its reason."""
    if not by.can("assessments.record") or by.pk not in assessment.assessor_ids():
        raise Forbidden("只有派单的评估员可以联系家属")
    if assessment.status not in RECORDABLE_STATES:  # the visit is no longer in the assessor's hands
        raise Forbidden("该评估已不在上门评估阶段，不能再通过它联系家属")
    contact = Contact.objects.filter(pk=contact_id, person_id=assessment.person_id).first()
    if contact is None or not contact.phone_enc:
        raise NotFound("没有可拨打的联系人电话")
    with audit_context(by):
        audit_sensitive_view(contact, fields=["phone"], reveal=True, reason=reason,
                             division_code=assessment.division_code)
    return crypto.decrypt(contact.phone_enc)
