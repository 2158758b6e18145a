"""The admissions module on the workbench: applications waiting for a bed and bed offers awaiting
the applicant's answer, in the user's jurisdiction (an operator: its own homes). Scoped, one
aggregate query each."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core.scope import restrict
from yanglao.core.todos import TodoItem

from .models import Application, ApplicationStatus, Offer, OfferStatus


def _queue_link(institution_ids: int | None, n_homes: int) -> str:
    base = reverse("admissions:list")
    return f"{base}?institution={institution_ids}" if n_homes == 1 and institution_ids else base


def todo_applications_waiting(user: Any) -> TodoItem | None:
    agg = (restrict(Application.objects.filter(status=ApplicationStatus.WAITING), user).order_by()
           .aggregate(n=Count("pk"), oldest=Min("applied_at"), homes=Count("institution_id", distinct=True),
                      one=Max("institution_id")))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=_queue_link(agg["one"], agg["homes"]), oldest=agg["oldest"])


def todo_offers_pending(user: Any) -> TodoItem | None:
    today = timezone.localdate()
    agg = (restrict(Offer.objects.filter(status=OfferStatus.PENDING), user).order_by()
           .aggregate(n=Count("pk"), oldest=Min("offered_at"), late=Count("pk", filter=Q(respond_by__lt=today)),
                      homes=Count("bed__institution_id", distinct=True), one=Max("bed__institution_id")))
    if not agg["n"]:
        return None
    note = _("其中 %(n)s 项已过答复期限") % {"n": agg["late"]} if agg["late"] else ""
    return TodoItem(count=agg["n"], link=_queue_link(agg["one"], agg["homes"]), oldest=agg["oldest"],
                    urgent=bool(agg["late"]), note=note)


def operator_offers_pending(user: Any) -> str:
    return f"{restrict(Offer.objects.filter(status=OfferStatus.PENDING), user).count():,}"


def operator_waiting(user: Any) -> str:
    return f"{restrict(Application.objects.filter(status=ApplicationStatus.WAITING), user).count():,}"
