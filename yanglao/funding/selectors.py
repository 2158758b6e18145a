"""Reads: every list cut to the user's jurisdiction, the summaries by source and purpose, the lottery-fund share
per level and year against the 55 % floor, and the dashboard's contract ``lottery_share``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from yanglao.core.dictionaries import dictionary_labels
from yanglao.core.divisions import division_short_name
from yanglao.core.models import Division
from yanglao.core.scope import restrict

from .dictionaries import LOTTERY
from .models import ZERO, Budget, FundingYear, LotteryFund, Spending, YearStatus
from .streams import platform_amounts

CITY = "4417"
FLOOR = Decimal("0.55")  # YJ 11, GD 27: 福彩公益金用于养老服务的比例不低于55%
FLOOR_FROM = 2021
SHARE_PLACES = Decimal("0.0001")


# --------------------------------------------------------------------------- the dashboard's contract
@dataclass(frozen=True)
class LotteryShare:
    """Lottery funds spent on elderly care in a year within a prefix, against the funds received there.

    ``share`` is a fraction to four places (0.5623 = 56.23 %), None when nothing was received."""

    year: int
    prefix: str
    spent_elderly: Decimal
    lottery_total: Decimal
    share: Decimal | None

    @property
    def percent(self) -> Decimal | None:
        return None if self.share is None else (self.share * 100).quantize(Decimal("0.01"))

    @property
    def meets_floor(self) -> bool | None:
        """True/False against 55 % from 2021; None before 2021 or without a total."""
        if self.share is None or self.year < FLOOR_FROM:
            return None
        return self.spent_elderly >= self.lottery_total * FLOOR


def _share(spent: Decimal, total: Decimal) -> Decimal | None:
    # Rounded down, so a share just under 55 % never shows as 55.00 %; the floor is judged on exact amounts.
    return (spent / total).quantize(SHARE_PLACES, rounding=ROUND_DOWN) if total else None


def lottery_spent(*, year: int, prefix: str) -> Decimal:
    """Lottery funds spent on elderly care: spending entered with source 福彩公益金 plus the platform's own
    payments whose stream the lottery funds pay."""
    manual = Spending.objects.filter(year=year, source=LOTTERY, division_code__startswith=prefix).aggregate(
        s=Sum("amount"))["s"] or ZERO
    platform = sum((a.amount for a in platform_amounts(prefix=prefix, year=year) if a.source == LOTTERY), ZERO)
    return manual + platform


def lottery_share(*, year: int, prefix: str = CITY) -> LotteryShare | None:
    """The share for ``year`` within the division-code ``prefix`` (``"4417"``: the city with its counties;
    ``"441702"``: one county), or None when there is no lottery-fund total and no lottery spending there.
    Not scoped to a user: the caller passes a prefix inside the user's jurisdiction."""
    total = LotteryFund.objects.filter(year=year, division_code__startswith=prefix).aggregate(s=Sum("received"))["s"]
    spent = lottery_spent(year=year, prefix=prefix)
    if total is None and not spent:
        return None
    total = total or ZERO
    return LotteryShare(year=year, prefix=prefix, spent_elderly=spent, lottery_total=total, share=_share(spent, total))


# --------------------------------------------------------------------------- levels and lists
def levels_for(user: Any) -> list[tuple[str, str]]:
    """The levels whose funds the user keeps or reads: 市本级 for a city account, then the counties in scope."""
    prefix = getattr(user, "scope_prefix", None)
    if not prefix or not user.can("funding.view"):
        return []
    out: list[tuple[str, str]] = []
    if CITY.startswith(prefix):
        out.append((CITY, level_name(CITY)))
        counties = Division.objects.filter(level=3, code__startswith=CITY)
    elif len(prefix) <= 6:
        counties = Division.objects.filter(level=3, code__startswith=prefix)
    else:
        counties = Division.objects.none()
    out += [(code, level_name(code)) for code in counties.order_by("code").values_list("code", flat=True)]
    return out


def level_name(code: str) -> str:
    return "市本级" if code == CITY else division_short_name(code)


def _viewable(user: Any, qs: QuerySet) -> QuerySet:
    if not user.can("funding.view"):
        return qs.none()
    return restrict(qs, user)


def budgets_for(user: Any) -> QuerySet[Budget]:
    return _viewable(user, Budget.objects.all())


def spendings_for(user: Any) -> QuerySet[Spending]:
    return _viewable(user, Spending.objects.all())


def lottery_for(user: Any) -> QuerySet[LotteryFund]:
    return _viewable(user, LotteryFund.objects.all())


def years_for(user: Any) -> QuerySet[FundingYear]:
    return _viewable(user, FundingYear.objects.all())


def year_status(year: int, division_code: str) -> str:
    return FundingYear.objects.filter(year=year, division_code=division_code).values_list(
        "status", flat=True).first() or YearStatus.OPEN


# --------------------------------------------------------------------------- summaries
@dataclass
class Line:
    code: str
    label: str
    budget: Decimal = ZERO
    manual: Decimal = ZERO
    platform: Decimal = ZERO

    @property
    def spent(self) -> Decimal:
        return self.manual + self.platform

    @property
    def rate(self) -> Decimal | None:
        """Spent against budget, in per cent (execution rate, 预算执行率)."""
        return (self.spent * 100 / self.budget).quantize(Decimal("0.1")) if self.budget else None


@dataclass
class Summary:
    year: int
    within: str
    by_source: list[Line] = field(default_factory=list)
    by_purpose: list[Line] = field(default_factory=list)
    total: Line = field(default_factory=lambda: Line("", "合计"))


def summary(user: Any, *, year: int, within: str, exact: bool = False) -> Summary:
    """Budget, spending entered (平台外) and platform payments (平台内) of one year by source and by purpose, within
    ``within`` (a prefix in the user's jurisdiction; the caller checked it), or of exactly one level with ``exact``
    (市本级: code 4417 only; the platform pays by county, so 市本级 has no platform payments)."""
    out = Summary(year=year, within=within)
    if not user.can("funding.view"):
        return out
    src_labels, pur_labels = dictionary_labels("funding_source"), dictionary_labels("funding_purpose")
    by_source: dict[str, Line] = {c: Line(c, lbl) for c, lbl in src_labels.items()}
    by_purpose: dict[str, Line] = {c: Line(c, lbl) for c, lbl in pur_labels.items()}

    def line(table: dict[str, Line], labels: dict[str, str], code: str) -> Line:
        return table.setdefault(code, Line(code, labels.get(code, code)))

    where = {"division_code": within} if exact else {"division_code__startswith": within}
    budgets = budgets_for(user).filter(year=year, **where)
    for row in budgets.values("source", "purpose").annotate(s=Sum("amount")).order_by():
        line(by_source, src_labels, row["source"]).budget += row["s"]
        line(by_purpose, pur_labels, row["purpose"]).budget += row["s"]
    spent = spendings_for(user).filter(year=year, **where)
    for row in spent.values("source", "purpose").annotate(s=Sum("amount")).order_by():
        line(by_source, src_labels, row["source"]).manual += row["s"]
        line(by_purpose, pur_labels, row["purpose"]).manual += row["s"]
    for a in platform_amounts(prefix=within, year=year) if not (exact and within == CITY) else []:
        line(by_source, src_labels, a.source).platform += a.amount
        line(by_purpose, pur_labels, a.purpose).platform += a.amount
    for table in (by_source,):
        for lin in table.values():
            out.total.budget += lin.budget
            out.total.manual += lin.manual
            out.total.platform += lin.platform
    keep = lambda ln: ln.budget or ln.manual or ln.platform  # noqa: E731
    out.by_source = [ln for ln in by_source.values() if keep(ln)]
    out.by_purpose = [ln for ln in by_purpose.values() if keep(ln)]
    return out


@dataclass
class ShareCell:
    year: int
    code: str
    received: Decimal | None
    spent: Decimal
    share: Decimal | None
    status: str  # year status

    @property
    def percent(self) -> Decimal | None:
        return None if self.share is None else (self.share * 100).quantize(Decimal("0.01"))

    @property
    def colour(self) -> str:
        """green / red against the floor from 2021, grey without data or before 2021."""
        if self.share is None or self.received is None or self.year < FLOOR_FROM:
            return "none"
        return "green" if self.spent >= self.received * FLOOR else "red"


@dataclass
class ShareRow:
    code: str
    name: str
    cells: list[ShareCell]
    is_total: bool = False


def share_table(user: Any, *, years: list[int]) -> list[ShareRow]:
    """The share per level (市本级, each county in scope, and 全市合计 for a city account) for each year: the
    trend from 2021. Each row's figures are that level's own (市本级: code 4417 exactly); 全市 sums all."""
    levels = levels_for(user)
    if not levels:
        return []
    prefix = user.scope_prefix
    received: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    has_total: set[tuple[int, str]] = set()
    for row in restrict(LotteryFund.objects.filter(year__in=years), user).values("year", "division_code", "received"):
        received[(row["year"], row["division_code"])] += row["received"]
        has_total.add((row["year"], row["division_code"]))
    spent: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for row in (restrict(Spending.objects.filter(year__in=years, source=LOTTERY), user)
                .values("year", "division_code").annotate(s=Sum("amount")).order_by()):
        spent[(row["year"], row["division_code"])] += row["s"]
    for a in platform_amounts(prefix=prefix):
        if a.source == LOTTERY and a.year in years:
            spent[(a.year, a.county)] += a.amount
    statuses = {(y, c): s for y, c, s in restrict(FundingYear.objects.filter(year__in=years), user)
                .values_list("year", "division_code", "status")}
    rows = []
    for code, name in levels:
        cells = []
        for y in years:
            total = received[(y, code)] if (y, code) in has_total else None
            s = spent[(y, code)]
            cells.append(ShareCell(y, code, total, s, _share(s, total) if total else None,
                                   statuses.get((y, code), YearStatus.OPEN)))
        rows.append(ShareRow(code, name, cells))
    if len(levels) > 1:
        cells = []
        for y in years:
            any_total = any((y, c) in has_total for c, _n in levels)
            total = sum((received[(y, c)] for c, _n in levels), ZERO) if any_total else None
            s = sum((spent[(y, c)] for c, _n in levels), ZERO)
            cells.append(ShareCell(y, prefix, total, s, _share(s, total) if total else None, ""))
        rows.append(ShareRow(prefix, "全市合计" if prefix == CITY else level_name(prefix), cells, is_total=True))
    return rows


def level_share(*, year: int, code: str) -> LotteryShare | None:
    """The share of exactly one level: a county (its prefix) or 市本级 (code 4417 only, without the counties)."""
    if code != CITY:
        return lottery_share(year=year, prefix=code)
    total = LotteryFund.objects.filter(year=year, division_code=CITY).aggregate(s=Sum("received"))["s"]
    spent = Spending.objects.filter(year=year, source=LOTTERY, division_code=CITY).aggregate(s=Sum("amount"))["s"]
    if total is None and spent is None:
        return None
    total, spent = total or ZERO, spent or ZERO
    return LotteryShare(year=year, prefix=CITY, spent_elderly=spent, lottery_total=total, share=_share(spent, total))
