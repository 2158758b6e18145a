"""Reads of the prepaid-fee module, scoped to the user.

`dashboard_figures(division_prefix)` is the figure the city's dashboard (指标监测, to come) reads: what
the homes of an area hold in advance, how much of it is reconciled, and the open risks. It takes a
division prefix ("4417" the city, "441702" a county) so the dashboard can call it per county without a
user; views call `dashboard_figures_for(user)`, which is the same cut to the user's jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from yanglao.core.scope import restrict

from .choices import CaseStatus, RefundStatus, ReportState, WarningKind, WarningStatus
from .models import (
    ZERO,
    MonthlyReport,
    PrepaidAccount,
    PrepaidHome,
    ReconciliationCase,
    RefundOwed,
    RiskWarning,
)
from .services import TOTAL

MONEY = DecimalField(max_digits=16, decimal_places=2)


def _sum(field: str) -> Any:
    return Coalesce(Subquery(PrepaidAccount.objects.filter(home=OuterRef("pk")).order_by().values("home")
                             .annotate(s=Sum(field)).values("s")[:1], output_field=MONEY), Value(ZERO, output_field=MONEY))


def homes_overview(user: Any) -> Any:
    """Homes with their totals per kind, residents with money held, open warnings and cases."""
    held = PrepaidAccount.objects.filter(home=OuterRef("pk")).annotate(t=TOTAL).filter(t__gt=0).order_by().values("home")
    return (restrict(PrepaidHome.objects.select_related("institution"), user)
            .annotate(s_bed=_sum("bal_bed"), s_care=_sum("bal_care"), s_meal=_sum("bal_meal"),
                      s_deposit=_sum("bal_deposit"), s_membership=_sum("bal_membership"),
                      n_held=Coalesce(Subquery(held.annotate(n=Count("pk")).values("n")[:1]), 0),
                      n_warnings=Count("warnings", filter=Q(warnings__status=WarningStatus.OPEN), distinct=True),
                      n_cases=Count("cases", filter=~Q(cases__status=CaseStatus.CLOSED), distinct=True),
                      last_report=Max("reports__month"))
            .order_by("division_code", "institution__name"))


def home_totals(home: PrepaidHome) -> dict[str, Decimal]:
    agg = PrepaidAccount.objects.filter(home=home).aggregate(
        bed=Sum("bal_bed"), care=Sum("bal_care"), meal=Sum("bal_meal"), deposit=Sum("bal_deposit"),
        membership=Sum("bal_membership"))
    out = {k: (v or ZERO) for k, v in agg.items()}
    out["total"] = sum(out.values(), ZERO)
    return out


@dataclass(frozen=True)
class PrepaidFigures:
    homes: int  # homes filed as collecting prepaid fees
    closing_homes: int  # of which announced closure
    held_total: Decimal  # money held for residents (all kinds)
    deposits: Decimal
    memberships: Decimal
    residents_with_balance: int
    reports_last_month: int  # reports filed for the latest reported month
    reports_matched: int  # of all reports, reconciled without a gap
    reports_with_gap: int
    open_cases: int
    open_warnings: int
    warnings_by_kind: dict[str, int]
    refunds_owed: int  # residents of closing homes not yet paid back
    refunds_owed_amount: Decimal


def dashboard_figures(division_prefix: str) -> PrepaidFigures:
    """The prepaid-fee figures of one area (a division code prefix; "" for everything)."""
    within = Q(division_code__startswith=division_prefix)
    homes = PrepaidHome.objects.filter(within)
    accounts = PrepaidAccount.objects.filter(within).annotate(t=TOTAL)
    money = accounts.aggregate(held=Sum("t"), d=Sum("bal_deposit"), m=Sum("bal_membership"))
    money["n"] = accounts.filter(t__gt=0).count()
    reports = MonthlyReport.objects.filter(within)
    last = reports.aggregate(m=Max("month"))["m"]
    warnings = RiskWarning.objects.filter(within, status=WarningStatus.OPEN)
    by_kind = dict(warnings.values("kind").annotate(n=Count("pk")).order_by().values_list("kind", "n"))
    refunds = RefundOwed.objects.filter(within, status=RefundStatus.OWED).aggregate(n=Count("pk"), s=Sum("amount"))
    return PrepaidFigures(
        homes=homes.count(), closing_homes=homes.exclude(status="operating").count(),
        held_total=money["held"] or ZERO, deposits=money["d"] or ZERO, memberships=money["m"] or ZERO,
        residents_with_balance=money["n"] or 0,
        reports_last_month=reports.filter(month=last).count() if last else 0,
        reports_matched=reports.filter(state=ReportState.MATCHED).count(),
        reports_with_gap=reports.filter(state=ReportState.GAP).count(),
        open_cases=ReconciliationCase.objects.filter(within).exclude(status=CaseStatus.CLOSED).count(),
        open_warnings=sum(by_kind.values()), warnings_by_kind={k: by_kind.get(k, 0) for k in WarningKind.values},
        refunds_owed=refunds["n"] or 0, refunds_owed_amount=refunds["s"] or ZERO)


def dashboard_figures_for(user: Any) -> PrepaidFigures | None:
    """The same figures cut to a staff user's jurisdiction (None for accounts without one)."""
    prefix = getattr(user, "scope_prefix", None)
    return dashboard_figures(prefix) if prefix else None
