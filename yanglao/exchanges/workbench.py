"""To-dos of the exchanges module on the workbench."""

from __future__ import annotations

from typing import Any

from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core.scope import restrict
from yanglao.core.todos import TodoItem

from .models import LtcSettlement, NationalBatch, NationalReturn


def todo_settlements(user: Any) -> TodoItem | None:
    """LTC settlement lists imported and not yet confirmed (nothing is held until they are)."""
    waiting = restrict(LtcSettlement.objects.filter(status="imported"), user)
    n = waiting.count()
    if not n:
        return None
    return TodoItem(count=n, link=reverse("exchanges:ltc"), oldest=waiting.aggregate(since=Min("created_at"))["since"],
                    note=_("确认后才从护理补贴中剔除长护险居家护理人员"))


def todo_national(user: Any) -> TodoItem | None:
    """Last quarter not yet recorded as sent to the national system, and returned lists to confirm."""
    today = timezone.localdate()
    q_start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    prev_year, prev_q = (q_start.year, (q_start.month + 2) // 3 - 1) if q_start.month > 1 else (q_start.year - 1, 4)
    period = f"{prev_year}Q{prev_q}"
    unsent = not restrict(NationalBatch.objects.filter(period=period, sent_at__isnull=False), user).exists()
    returns = restrict(NationalReturn.objects.filter(confirmed_at__isnull=True, matched__gt=0), user)
    n = int(unsent) + returns.count()
    if not n:
        return None
    notes = []
    if unsent:
        notes.append(_("%(p)s 未登记报送") % {"p": period})
    if returns.exists():
        notes.append(_("回传名单 %(n)s 份待确认") % {"n": returns.count()})
    return TodoItem(count=n, link=reverse("exchanges:national"), urgent=unsent, note="；".join(notes),
                    oldest=returns.aggregate(since=Min("created_at"))["since"])
