"""Scoped reads and figures of home and community care. Every query goes through core.scope.restrict."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse

from yanglao.core.models import Division
from yanglao.core.scope import restrict

from .choices import FacilityKind, Function, SettlementStatus
from .models import (
    Complaint,
    Contract,
    Facility,
    HotlineCall,
    Meal,
    Provider,
    ProviderStaff,
    ServiceItem,
    ServiceOrder,
    ServicePlan,
    Settlement,
    SettlementLine,
)


def yuan(fen: int | None) -> str:
    return f"¥{(fen or 0) / 100:,.2f}"


def items_for(user: Any) -> QuerySet[ServiceItem]:
    """The catalogue is public information: everyone with the module sees it whole."""
    return ServiceItem.objects.all() if user.can("homecare.view") else ServiceItem.objects.none()


def providers_for(user: Any) -> QuerySet[Provider]:
    """Providers registered in the user's jurisdiction, and those serving any part of it (a community worker
    dispatches to a provider registered in the next township that serves hers); an organisation: its own."""
    own = restrict(Provider.objects.all(), user)
    prefix = getattr(user, "scope_prefix", None)
    if not prefix:
        return own.order_by("name")
    ancestors = [prefix[:n] for n in (2, 4, 6, 9, 12) if n <= len(prefix)]
    serving = Provider.objects.filter(Q(areas__division_code__startswith=prefix)
                                      | Q(areas__division_code__in=ancestors)).values("pk")
    return Provider.objects.filter(Q(pk__in=own.values("pk")) | Q(pk__in=serving)).order_by("name")


def staff_for(user: Any) -> QuerySet[ProviderStaff]:
    return ProviderStaff.objects.select_related("provider").filter(provider__in=providers_for(user).values("pk"))


def contracts_for(user: Any) -> QuerySet[Contract]:
    return Contract.objects.select_related("provider", "item").filter(provider__in=providers_for(user).values("pk"))


def orders_for(user: Any) -> QuerySet[ServiceOrder]:
    return restrict(ServiceOrder.objects.select_related("person", "item", "provider", "carer"), user)


def calls_for(user: Any) -> QuerySet[HotlineCall]:
    return restrict(HotlineCall.objects.select_related("person", "taken_by"), user)


def plans_for(user: Any) -> QuerySet[ServicePlan]:
    return restrict(ServicePlan.objects.select_related("person", "item", "provider"), user)


def complaints_for(user: Any) -> QuerySet[Complaint]:
    return restrict(Complaint.objects.select_related("order", "order__provider", "order__item"), user)


def settlements_for(user: Any) -> QuerySet[Settlement]:
    return restrict(Settlement.objects.select_related("provider", "prepared_by", "approved_by"), user)


def facilities_for(user: Any) -> QuerySet[Facility]:
    return restrict(Facility.objects.all(), user).order_by("division_code", "name")


def meals_for(user: Any) -> QuerySet[Meal]:
    return restrict(Meal.objects.select_related("facility", "person"), user)


# --------------------------------------------------------------------------- coverage
@dataclass
class CoverageRow:
    code: str
    name: str
    is_street: bool
    needs_centre: bool
    has_centre: bool
    urban: int = 0
    rural: int = 0
    urban_covered: int = 0
    rural_covered: int = 0
    day_care_covered: int = 0

    @property
    def communities(self) -> int:
        return self.urban + self.rural

    @staticmethod
    def pct(part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 1) if whole else None

    @property
    def day_care_pct(self) -> float | None:
        return self.pct(self.day_care_covered, self.communities)

    @property
    def urban_pct(self) -> float | None:
        return self.pct(self.urban_covered, self.urban)

    @property
    def rural_pct(self) -> float | None:
        return self.pct(self.rural_covered, self.rural)

    @property
    def meets_day_care(self) -> bool:
        return (self.day_care_pct or 0) >= 90 if self.communities else True

    @property
    def meets_urban(self) -> bool:
        return (self.urban_pct or 0) >= 100 if self.urban else True

    @property
    def meets_rural(self) -> bool:
        return (self.rural_pct or 0) >= 60 if self.rural else True


DAY_CARE_TARGET, URBAN_TARGET, RURAL_TARGET = 90, 100, 60


def coverage(user: Any, *, under: str = "", on: dt.date | None = None) -> tuple[CoverageRow, list[CoverageRow]]:
    """Per township (乡镇/街道) in the user's scope, from the facility records:
    - communities (村/社区, by core.Division.urban_rural) served by any active facility (its own community
      and the communities it lists as served), urban and rural;
    - communities served by a day-care function (日间照料中心, or a centre/mutual-aid home offering 日托);
    - whether the township has an active comprehensive centre (综合养老服务中心) located in it, and whether it
      needs one: every street (街道), and every town with at least one urban community (具备条件的乡镇, our
      reading: a town with a residents' committee has a town centre to host one).
    With `on`, only facilities opened by that day count (a facility without an opening date always counts):
    the dashboard's history of past months.
    Returns the county/scope total and the township rows; one SQL aggregation."""
    prefix = getattr(user, "scope_prefix", None) or ""
    if not prefix:
        return CoverageRow("", "", False, False, False), []
    if under and under.startswith(prefix):
        prefix = under
    fac, served = Facility._meta.db_table, "homecare_facilitycommunity"
    opened = "AND (f.opened_on IS NULL OR f.opened_on <= %s)" if on else ""
    sql = f"""
        WITH served AS (
            SELECT s.division_code,
                   1 AS any_facility,
                   max(CASE WHEN f.offers_day_care THEN 1 ELSE 0 END) AS day_care
              FROM {served} s JOIN {fac} f ON f.id = s.facility_id AND f.active {opened}
             WHERE s.division_code LIKE %s
             GROUP BY s.division_code),
        centres AS (
            SELECT DISTINCT substr(division_code, 1, 9) AS township FROM {fac} f
             WHERE active AND kind = 'centre' AND division_code LIKE %s {opened})
        SELECT t.code, t.name,
               count(c.code) FILTER (WHERE c.urban_rural = 'urban'),
               count(c.code) FILTER (WHERE c.urban_rural = 'rural'),
               count(c.code) FILTER (WHERE c.urban_rural = 'urban' AND sv.any_facility = 1),
               count(c.code) FILTER (WHERE c.urban_rural = 'rural' AND sv.any_facility = 1),
               count(c.code) FILTER (WHERE sv.day_care = 1),
               EXISTS (SELECT 1 FROM centres WHERE centres.township = t.code)
          FROM core_division t
          LEFT JOIN core_division c ON c.parent_id = t.code AND c.level = 5
          LEFT JOIN served sv ON sv.division_code = c.code
         WHERE t.level = 4 AND (t.code LIKE %s OR %s LIKE t.code || '%%')
         GROUP BY t.code, t.name ORDER BY t.code"""
    with connection.cursor() as cur:
        dated = [on] if on else []
        cur.execute(sql, [*dated, prefix + "%", prefix + "%", *dated, prefix + "%", prefix])
        rows = []
        for code, name, urban, rural, u_cov, r_cov, day, has_centre in cur.fetchall():
            is_street = name.endswith("街道") or name.endswith("办事处")
            rows.append(CoverageRow(code=code, name=name, is_street=is_street,
                                    needs_centre=is_street or urban > 0, has_centre=bool(has_centre), urban=urban,
                                    rural=rural, urban_covered=u_cov, rural_covered=r_cov, day_care_covered=day))
    total = CoverageRow(code=prefix, name=_scope_name(prefix), is_street=False,
                        needs_centre=any(r.needs_centre for r in rows),
                        has_centre=all(r.has_centre for r in rows if r.needs_centre))
    for r in rows:
        total.urban += r.urban
        total.rural += r.rural
        total.urban_covered += r.urban_covered
        total.rural_covered += r.rural_covered
        total.day_care_covered += r.day_care_covered
    return total, rows


def _scope_name(code: str) -> str:
    division = Division.objects.filter(code=code).first()
    return division.name if division else code


def centres_missing(rows: list[CoverageRow]) -> list[CoverageRow]:
    return [r for r in rows if r.needs_centre and not r.has_centre]


def facility_counts(user: Any) -> dict[str, int]:
    counts = dict(facilities_for(user).filter(active=True).values_list("kind").annotate(n=Count("pk")).order_by())
    return {label: counts.get(kind, 0) for kind, label in FacilityKind.choices}


# --------------------------------------------------------------------------- meals
def meal_month_figures(user: Any, month: dt.date) -> list[dict[str, Any]]:
    end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    rows = (meals_for(user).filter(day__gte=month, day__lt=end).values("facility_id", "facility__name")
            .annotate(meals=Count("pk"), people=Count("person_id", distinct=True),
                      delivered=Count("pk", filter=Q(delivered=True)), price=Sum("price_fen"),
                      subsidy=Sum("subsidy_fen"), paid=Sum("paid_fen")).order_by("facility__name"))
    return list(rows)


# --------------------------------------------------------------------------- the benefits report
def subsidy_by_month(user: Any, *, months: int = 12) -> list[dict[str, Any]]:
    """Approved settlement subsidies and meal subsidies by month and paying programme, in the user's scope."""
    lines = (restrict(SettlementLine.objects.filter(settlement__status=SettlementStatus.APPROVED), user)
             .values("settlement__month", "programme_id_copy")
             .annotate(orders=Count("pk"), subsidy=Sum("subsidy_fen"), amount=Sum("amount_fen")).order_by())
    from django.db.models.functions import TruncMonth

    meals = (restrict(Meal.objects.filter(subsidy_fen__gt=0), user).annotate(m=TruncMonth("day"))
             .values("m", "programme_id").annotate(n=Count("pk"), subsidy=Sum("subsidy_fen")).order_by())
    from yanglao.benefits.models import Programme

    names = dict(Programme.objects.values_list("pk", "name"))
    table: dict[tuple[dt.date, int | None], dict[str, Any]] = {}
    for row in lines:
        key = (row["settlement__month"], row["programme_id_copy"])
        entry = table.setdefault(key, {"month": key[0], "programme": names.get(key[1], "—"), "orders": 0,
                                       "order_subsidy": 0, "meals": 0, "meal_subsidy": 0})
        entry["orders"] += row["orders"]
        entry["order_subsidy"] += row["subsidy"] or 0
    for row in meals:
        key = (row["m"], row["programme_id"])
        entry = table.setdefault(key, {"month": key[0], "programme": names.get(key[1], "—"), "orders": 0,
                                       "order_subsidy": 0, "meals": 0, "meal_subsidy": 0})
        entry["meals"] += row["n"]
        entry["meal_subsidy"] += row["subsidy"] or 0
    out = sorted(table.values(), key=lambda e: (e["month"], e["programme"]), reverse=True)
    months_seen = sorted({e["month"] for e in out}, reverse=True)[:months]
    return [e for e in out if e["month"] in months_seen]


def benefits_report_figure(user: Any) -> Any:
    """The homecare subsidy on the benefits report page (registered with benefits.reports)."""
    if not user.can("homecare.view"):
        return None
    from yanglao.benefits.reports import ReportFigure

    rows = subsidy_by_month(user)
    total_orders = sum(r["orders"] for r in rows)
    total = sum(r["order_subsidy"] + r["meal_subsidy"] for r in rows)
    return ReportFigure(
        title="居家社区养老服务补贴支出（按月、按资金来源）",
        note="来自已复核的服务商月度结算（补贴部分）和长者饭堂就餐补贴；按老人居住地统计在您的管辖范围内。",
        head=["月份", "资金来源", "结算工单", "工单补贴", "补贴就餐（餐）", "助餐补贴", "补贴合计"],
        rows=[[f"{r['month']:%Y-%m}", r["programme"], r["orders"], yuan(r["order_subsidy"]), r["meals"],
               yuan(r["meal_subsidy"]), yuan(r["order_subsidy"] + r["meal_subsidy"])] for r in rows],
        total=["合计", "", total_orders, "", "", "", yuan(total)] if rows else [],
        link=reverse("homecare:settlements"),
    )


def provider_of(user: Any) -> Provider | None:
    if not getattr(user, "organisation_id", None):
        return None
    return Provider.objects.filter(organisation_id=user.organisation_id).first()


FUNCTION_LABELS = dict(Function.choices)
