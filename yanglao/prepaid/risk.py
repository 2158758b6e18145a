"""The daily risk scan (`yanglao prepaid_scan`, also run by the demo): each check is one query over all
homes, its findings written as warnings in one insert; a warning still open is not raised again.

Checks (thresholds are constants here and in docs/prepaid.md):
- growth: the balance a home reports grew by more than GROWTH_POINTS percentage points more than the
  number of residents with money held, between the latest report and the one GROWTH_MONTHS earlier;
- refund delay: a resident left (or a closing home's refund fell due) and money is still held after the
  agreed refund term;
- public membership: a public or publicly-owned home holds membership fees;
- closure: a home that announced its closure still holds residents' money;
- complaints: an open complaint about fund-raising (非法集资) against the home in the supervision module.
Limit breaches that a rule only flags are raised when the money is recorded (services.entry_record)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from yanglao.core.audit import audit_bulk

from .choices import HomeStatus, RefundStatus, WarningKind, WarningStatus
from .models import MonthlyReport, PrepaidAccount, PrepaidHome, RefundOwed, RiskWarning
from .services import TOTAL, yuan

GROWTH_MONTHS = 3
GROWTH_POINTS = Decimal("20")
GROWTH_MIN_PERCENT = Decimal("10")


def _months_back(month: dt.date, n: int) -> dt.date:
    y, m = divmod(month.year * 12 + month.month - 1 - n, 12)
    return dt.date(y, m + 1, 1)


def _growth(today: dt.date) -> list[dict[str, Any]]:
    found = []
    latest: dict[int, MonthlyReport] = {}
    for report in MonthlyReport.objects.select_related("home__institution").order_by("home_id", "-month"):
        latest.setdefault(report.home_id, report)
    earlier = {(r.home_id, r.month): r for r in MonthlyReport.objects.filter(
        month__in={_months_back(r.month, GROWTH_MONTHS) for r in latest.values()})}
    for home_id, now in latest.items():
        then = earlier.get((home_id, _months_back(now.month, GROWTH_MONTHS)))
        if then is None or then.reported_balance <= 0:
            continue
        money = (now.reported_balance - then.reported_balance) * 100 / then.reported_balance
        people = Decimal(now.residents - then.residents) * 100 / max(then.residents, 1)
        if money >= GROWTH_MIN_PERCENT and money - people > GROWTH_POINTS:
            found.append({"home": now.home, "kind": WarningKind.GROWTH, "ref": f"growth:{now.month:%Y-%m}",
                          "amount": now.reported_balance - then.reported_balance,
                          "detail": f"{then.month:%Y年%m月}至{now.month:%Y年%m月}预收资金增长{money:.0f}%，"
                                    f"预收费老年人数增长{people:.0f}%（{then.residents}→{now.residents}人）"})
    return found


def _refund_delays(today: dt.date) -> list[dict[str, Any]]:
    found = []
    late = (PrepaidAccount.objects.select_related("home__institution", "person").annotate(t=TOTAL)
            .filter(left_on__isnull=False, left_on__lt=today, t__gt=0))
    for acc in late:  # the term is per account; the rows are few (residents who left with money held)
        due = acc.left_on + dt.timedelta(days=acc.refund_term_days)
        if due < today:
            found.append({"home": acc.home, "kind": WarningKind.REFUND_DELAY, "ref": f"account:{acc.pk}", "amount": acc.t,
                          "detail": f"{acc.person.name}于{acc.left_on:%Y年%m月%d日}离院，约定{acc.refund_term_days}日内退费，"
                                    f"逾期{(today - due).days}日仍有{yuan(acc.t)}未退"})
    for refund in RefundOwed.objects.select_related("home__institution", "person").filter(
            status=RefundStatus.OWED, due_on__lt=today):
        found.append({"home": refund.home, "kind": WarningKind.REFUND_DELAY, "ref": f"refund:{refund.pk}",
                      "amount": refund.amount,
                      "detail": f"停业退费逾期：{refund.person.name}应于{refund.due_on:%Y年%m月%d日}前退还{yuan(refund.amount)}"})
    return found


def _public_membership(today: dt.date) -> list[dict[str, Any]]:
    from yanglao.institutions.choices import PUBLIC_OWNERSHIPS

    rows = (PrepaidAccount.objects.filter(home__institution__ownership__in=[str(o) for o in PUBLIC_OWNERSHIPS],
                                          bal_membership__gt=0)
            .values("home_id").annotate(s=Sum("bal_membership")).order_by())
    homes = PrepaidHome.objects.select_related("institution").in_bulk([r["home_id"] for r in rows])
    return [{"home": homes[r["home_id"]], "kind": WarningKind.PUBLIC_MEMBERSHIP, "ref": "membership", "amount": r["s"],
             "detail": f"{homes[r['home_id']].institution.get_ownership_display()}机构持有会员费{yuan(r['s'])}"}
            for r in rows]


def _closures(today: dt.date) -> list[dict[str, Any]]:
    rows = (PrepaidAccount.objects.filter(home__status=HomeStatus.CLOSING).annotate(t=TOTAL).filter(t__gt=0)
            .values("home_id").annotate(s=Sum("t"), n=Sum(1)).order_by())
    homes = PrepaidHome.objects.select_related("institution").in_bulk([r["home_id"] for r in rows])
    found = []
    for r in rows:
        home = homes[r["home_id"]]
        announced = home.closure_announced_on or today
        found.append({"home": home, "kind": WarningKind.CLOSURE, "ref": f"closure:{announced.isoformat()}",
                      "amount": r["s"], "detail": f"{home.institution.name}已公告停业，仍持有老年人预收费{yuan(r['s'])}"})
    return found


def _complaints(today: dt.date) -> list[dict[str, Any]]:
    from yanglao.supervision.models import Complaint, ComplaintCategory, ComplaintStatus

    complaints = (Complaint.objects.filter(category=ComplaintCategory.FUNDRAISING, target__institution__prepaid__isnull=False)
                  .exclude(status=ComplaintStatus.CLOSED).select_related("target__institution__prepaid__institution"))
    return [{"home": c.target.institution.prepaid, "kind": WarningKind.COMPLAINT, "ref": f"complaint:{c.number}",
             "amount": None, "detail": f"投诉举报{c.number}（{c.received_on:%Y年%m月%d日}受理）：{c.summary[:120]}"}
            for c in complaints]


CHECKS = (_growth, _refund_delays, _public_membership, _closures, _complaints)


def scan(today: dt.date | None = None) -> int:
    """Run every check; write the new warnings in one insert; return how many were raised."""
    today = today or timezone.localdate()
    found = [f for check in CHECKS for f in check(today)]
    if not found:
        return 0
    open_now = set(RiskWarning.objects.filter(status=WarningStatus.OPEN).filter(
        Q(home_id__in={f["home"].pk for f in found})).values_list("home_id", "kind", "ref"))
    new = [RiskWarning(home=f["home"], kind=f["kind"], ref=f["ref"][:64], detail=f["detail"][:300], amount=f["amount"],
                       raised_on=today, division_code=f["home"].division_code)
           for f in found if (f["home"].pk, f["kind"], f["ref"][:64]) not in open_now]
    RiskWarning.objects.bulk_create(new, ignore_conflicts=True)
    audit_bulk(RiskWarning, operation="scan", count=len(new), division_code="",
               params={"day": today, "found": len(found)})
    return len(new)
