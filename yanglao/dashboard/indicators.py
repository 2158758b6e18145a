"""Every numeric target of the two documents as an indicator: what it measures, its target and deadline, the
clause it comes from, its unit, how it is computed and from which module, and whether the public portal shows it.

Each indicator computes its figures for one month (`Ctx`) for the city, its counties and its townships, through
the modules' own selectors: a `DivisionReader` stands for "the staff of that division" so the selectors' scope
rule is the one that cuts the data. Targets the platform holds no data for take the latest manual entry
(`ManualEntry`) instead; a live figure always wins over a typed one."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from yanglao.core.roles import Role

CITY = "4417"
HUNDRED = Decimal(100)


class DivisionReader:
    """Reads a division's figures through the modules' scoped selectors as that division's own administrator
    would (used by the snapshot job only, never for a request: a request uses its real user)."""

    is_authenticated = True
    is_active = True
    role = Role.CITY_ADMIN
    organisation_id = None
    pk = None
    id = None
    username = "dashboard-snapshot"

    def __init__(self, prefix: str) -> None:
        self.scope_prefix = prefix
        self.division_id = prefix

    def can(self, capability: str) -> bool:
        return True


def reader(prefix: str) -> DivisionReader:
    return DivisionReader(prefix)


@dataclass
class Figure:
    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    note: str = ""

    @classmethod
    def pct(cls, part: int | Decimal, whole: int | Decimal, note: str = "") -> Figure:
        part, whole = Decimal(part), Decimal(whole)
        value = (part * HUNDRED / whole).quantize(Decimal("0.01"), ROUND_HALF_UP) if whole else None
        return cls(value, part, whole, note)

    @classmethod
    def count(cls, n: int | Decimal, note: str = "") -> Figure:
        return cls(Decimal(n), Decimal(n), None, note)


@dataclass
class Ctx:
    month: dt.date  # first day of the month
    on: dt.date  # the day the figures stand for: the month's last day, or today in the current month
    current: bool
    counties: list[str]
    townships: list[str]
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def all_codes(self) -> list[str]:
        return [CITY, *self.counties, *self.townships]


# comparisons: pct = value (percent) ≥ target; count = value ≥ target; all = numerator ≥ denominator; yes = value ≥ 1
@dataclass(frozen=True)
class Indicator:
    key: str
    label: Any
    target: Decimal
    comparison: str
    unit: str
    by_year: int | None
    by_text: Any
    source: str  # YJ n / GD n / YJ-T n
    source_text: Any  # the clauses in words
    how: Any  # how it is computed, for the registry page
    module: str
    levels: tuple[int, ...]
    public: bool
    dated: bool  # can be computed for a past month from dated records
    compute: Callable[[Ctx], dict[str, Figure]] | None = None  # None: manual entries only
    target_text: Any = ""

    @property
    def deadline(self) -> dt.date | None:
        return dt.date(self.by_year, 12, 31) if self.by_year else None

    def met(self, fig: Figure) -> bool | None:
        if fig.value is None:
            return None
        if self.comparison == "all":
            if fig.numerator is None or fig.denominator is None:
                return None
            return fig.numerator >= fig.denominator
        if self.comparison == "yes":
            return fig.value >= 1
        return fig.value >= self.target

    def status(self, fig: Figure | None, on: dt.date) -> str:
        """green: target met. amber: not met, but the deadline is still ahead or the figure is within a tenth of
        the target. red: the deadline has passed and the figure is further off. none: no figure."""
        if fig is None:
            return "none"
        met = self.met(fig)
        if met is None:
            return "none"
        if met:
            return "green"
        if self.deadline and on <= self.deadline:
            return "amber"
        if self.comparison in ("pct", "count") and fig.value is not None and fig.value >= self.target * Decimal("0.9"):
            return "amber"
        if self.comparison == "all" and fig.numerator is not None and fig.denominator:
            if fig.numerator >= fig.denominator * Decimal("0.9"):
                return "amber"
        return "red"

    def display(self, value: Decimal | None, numerator: Decimal | None = None, denominator: Decimal | None = None) -> str:
        if value is None:
            return "—"
        if self.comparison == "yes":
            return "是" if value >= 1 else "否"
        if self.comparison == "all" and numerator is not None and denominator is not None:
            return f"{int(numerator)}/{int(denominator)}"
        if self.unit == "%":
            return f"{value:.1f}%"
        return f"{int(value):,}{self.unit}"


# --------------------------------------------------------------------------- computations
def _roll(rows: list[Any], get: Callable[[Any], tuple[int, int]]) -> dict[str, Figure]:
    """Township rows → a percentage per township, county and the city."""
    out: dict[str, Figure] = {}
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        n, d = get(r)
        if d:
            out[r.code] = Figure.pct(n, d)
        for code in (r.code[:6], CITY):
            sums[code][0] += n
            sums[code][1] += d
    for code, (n, d) in sums.items():
        if d:
            out[code] = Figure.pct(n, d)
    return out


def _coverage(ctx: Ctx) -> list[Any]:
    if "coverage" not in ctx.cache:
        from yanglao.homecare import selectors as hc

        _total, rows = hc.coverage(reader(CITY), on=None if ctx.current else ctx.on)
        ctx.cache["coverage"] = rows
    return ctx.cache["coverage"]


def urban_coverage(ctx: Ctx) -> dict[str, Figure]:
    return _roll(_coverage(ctx), lambda r: (r.urban_covered, r.urban))


def rural_coverage(ctx: Ctx) -> dict[str, Figure]:
    return _roll(_coverage(ctx), lambda r: (r.rural_covered, r.rural))


def day_care(ctx: Ctx) -> dict[str, Figure]:
    return _roll(_coverage(ctx), lambda r: (r.day_care_covered, r.communities))


def centres(ctx: Ctx) -> dict[str, Figure]:
    return _roll(_coverage(ctx), lambda r: (int(r.has_centre), 1) if r.needs_centre else (0, 0))


def previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def visit_rate(ctx: Ctx) -> dict[str, Figure]:
    """The previous month's rate (the month is over, its plan complete) — the same figure for every snapshot."""
    from yanglao.visits.selectors import rate_rows

    month = previous_month(ctx.month)
    note = f"{month.year}年{month.month}月探访"
    out: dict[str, Figure] = {}
    total, counties = rate_rows(reader(CITY), month, CITY)
    if total.due:
        out[CITY] = Figure.pct(total.visited, total.due, note)
    for c in counties:
        if c.due:
            out[c.code] = Figure.pct(c.visited, c.due, note)
        _t, towns = rate_rows(reader(c.code), month, c.code)
        for t in towns:
            if t.due:
                out[t.code] = Figure.pct(t.visited, t.due, note)
    return out


def nursing_share(ctx: Ctx) -> dict[str, Figure]:
    from yanglao.institutions.selectors import bed_stats

    out: dict[str, Figure] = {}
    for by in ("city", "county", "township"):
        for row in bed_stats(reader(CITY), by=by):
            if row.beds:
                out[row.key] = Figure.pct(row.nursing, row.beds)
    return out


def medical_cooperation(ctx: Ctx) -> dict[str, Figure]:
    from django.db.models.functions import Substr

    from yanglao.institutions.selectors import institutions_for
    from yanglao.institutions.selectors import medical_cooperation as coop

    # only the divisions that have institutions (one query), each through the module's own rule
    towns = set(institutions_for(reader(CITY)).annotate(t=Substr("division_code", 1, 9)).values_list("t", flat=True))
    out: dict[str, Figure] = {}
    for code in [CITY, *(c for c in ctx.counties if any(t.startswith(c) for t in towns)), *sorted(towns)]:
        got = coop(reader(code), ctx.on)
        if got["institutions"]:
            out[code] = Figure.pct(got["with_cooperation"], got["institutions"])
    return out


def star_homes(ctx: Ctx) -> dict[str, Figure]:
    from yanglao.institutions.selectors import county_star_home_target

    rows = county_star_home_target(reader(CITY), ctx.on)
    out = {r.code: Figure(Decimal(len(r.homes)), Decimal(len(r.homes)), Decimal(1), "、".join(r.homes)[:200])
           for r in rows}
    met = sum(1 for r in rows if r.met)
    if rows:
        out[CITY] = Figure(Decimal(met), Decimal(met), Decimal(len(rows)), "达标县（市、区）数/县（市、区）数")
    return out


GERIATRIC_KINDS = ("老年病", "康复", "护理", "中医")


def geriatric_hospitals(ctx: Ctx) -> dict[str, Figure]:
    """Hospitals of the four kinds (老年病/康复/护理/中医) the city's institutions cooperate with under a valid
    agreement; a hospital no institution has an agreement with is entered by hand."""
    from django.db.models import Q

    from yanglao.core.scope import restrict
    from yanglao.institutions.models import MedicalAgreement

    kind = Q()
    for k in GERIATRIC_KINDS:
        kind |= Q(hospital_kind__contains=k)
    names = (restrict(MedicalAgreement.objects.all(), reader(CITY)).filter(kind, valid_from__lte=ctx.on)
             .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=ctx.on)).values_list("hospital", flat=True).distinct())
    names = sorted(set(names))
    return {CITY: Figure.count(len(names), "、".join(names)[:200])} if names else {}


def lottery_share(ctx: Ctx) -> dict[str, Figure]:
    """From the funding module when it is installed (`funding.selectors.lottery_share`)."""
    from django.apps import apps

    if not apps.is_installed("yanglao.funding"):
        return {}
    from yanglao.funding import selectors as funding  # lazy: the dashboard works before funding exists

    out: dict[str, Figure] = {}
    for code in (CITY, *ctx.counties):
        got = funding.lottery_share(year=ctx.on.year, prefix=code)
        if got is not None and got.lottery_total:
            out[code] = Figure.pct(Decimal(got.spent_elderly), Decimal(got.lottery_total), f"{ctx.on.year}年")
    return out


def training(ctx: Ctx) -> dict[str, Figure]:
    from yanglao.workforce.selectors import training_figures

    got = training_figures(reader(CITY), ctx.on.year)
    if got.target is None or not got.target.city_target:
        return {}
    return {CITY: Figure(Decimal(got.trained), Decimal(got.trained), Decimal(got.target.city_target),
                         f"{ctx.on.year}年本市分解目标 {got.target.city_target:,} 人（全省 {got.target.province_target:,}）")}


def estates(ctx: Ctx) -> dict[str, Figure]:
    from yanglao.planning.selectors import compliance_by_county

    out: dict[str, Figure] = {}
    total, counties = compliance_by_county(reader(CITY))
    if total.total:
        out[CITY] = Figure.pct(total.compliant, total.total)
    for c in counties:
        if c.total:
            out[c.code] = Figure.pct(c.compliant, c.total)
    # townships: the module's compliance rule (`estates_with_compliance`) grouped by township in one query
    from django.db.models import Count, Q
    from django.db.models.functions import Substr

    from yanglao.planning.models import AreaKind, Estate
    from yanglao.planning.selectors import estates_with_compliance, rules_in_force

    qs = estates_with_compliance(Estate.objects.restrict(reader(CITY)).filter(area_kind=AreaKind.NEW), rules_in_force())
    for row in (qs.annotate(t=Substr("division_code", 1, 9)).values("t")
                .annotate(total=Count("id"), ok=Count("id", filter=Q(compliant=True))).order_by("t")):
        if row["total"] and len(row["t"]) == 9:
            out[row["t"]] = Figure.pct(row["ok"], row["total"])
    return out


CIRCLE_GOAL = Decimal(90)


def circle(ctx: Ctx) -> dict[str, Figure]:
    from yanglao.planning import selectors as planning
    from yanglao.planning.models import ANY_KIND

    run = planning.current_run()
    if run is None:
        return {}
    rows = planning.community_rows(reader(CITY), CITY, ANY_KIND, run)
    note = f"步行{run.threshold_minutes}分钟内（已定位社区的老年人）"
    out: dict[str, Figure] = {}
    for area in [*planning.rollup(rows, 9), *planning.rollup(rows, 6), planning.total_of(rows, CITY, "")]:
        placed = area.within + area.outside
        if placed:
            out[area.code] = Figure.pct(area.within, placed, note)
    return out


def leases(ctx: Ctx) -> dict[str, Figure]:
    from yanglao.planning.models import PropertyLease

    out: dict[str, Figure] = {}
    for code in (CITY, *ctx.counties):
        qs = [lease for lease in PropertyLease.objects.restrict(reader(code)).exclude(status="ended")
              if lease.start_date and lease.end_date]
        if qs:
            out[code] = Figure.pct(sum(1 for lease in qs if not lease.term_short), len(qs))
    return out


def admission_rules(ctx: Ctx) -> dict[str, Figure]:
    from django.db.models import Q

    from yanglao.admissions.models import AdmissionPolicy, PriorityRule

    rules = PriorityRule.objects.filter(valid_from__lte=ctx.on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=ctx.on))
    policy = AdmissionPolicy.objects.filter(valid_from__lte=ctx.on).order_by("-valid_from").first()
    yes = rules.exists() and policy is not None
    note = f"{policy.document_no}（{policy.valid_from:%Y年%m月%d日}起）" if policy else "未设置轮候办法"
    return {CITY: Figure(Decimal(int(yes)), None, None, note[:200])}


def catalogue(ctx: Ctx) -> dict[str, Figure]:
    from django.db.models import Q

    from yanglao.homecare.models import ServiceItem

    items = (ServiceItem.objects.filter(published=True, valid_from__lte=ctx.on)
             .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=ctx.on)).count())
    return {CITY: Figure(Decimal(int(items > 0)), None, None, f"公开项目 {items} 项")}


CITY_L, COUNTY_L, TOWN_L = 2, 3, 4
ALL_LEVELS = (CITY_L, COUNTY_L, TOWN_L)

INDICATORS: list[Indicator] = [
    Indicator("urban_coverage", _("城市社区养老服务设施覆盖率"), HUNDRED, "pct", "%", 2020, _("2020年底"), "YJ 5, GD 1",
              _("阳江措施第五条；粤府办〔2019〕23号第（一）条"),
              _("有运营中的居家社区养老服务设施（所在或服务范围内）的城市社区 ÷ 城市社区（区划“城乡”为城镇）；来自居家社区养老的设施与服务范围"),
              "homecare", ALL_LEVELS, True, True, urban_coverage),
    Indicator("rural_coverage", _("农村社区养老服务设施覆盖率"), Decimal(60), "pct", "%", 2020, _("2020年底"), "YJ 5, GD 1",
              _("阳江措施第五条；粤府办〔2019〕23号第（一）条"),
              _("有运营中的养老服务设施的农村社区（村）÷ 农村社区；区划“城乡”为乡村"),
              "homecare", ALL_LEVELS, True, True, rural_coverage),
    Indicator("centres", _("街道和具备条件的乡镇综合养老服务中心"), HUNDRED, "pct", "%", 2022, _("2022年底"), "YJ 5, GD 2",
              _("阳江措施第五条；粤府办〔2019〕23号第（二）条"),
              _("有运营中的综合养老服务中心的街道/乡镇 ÷ 应建的街道/乡镇（全部街道，及有城市社区的镇）"),
              "homecare", ALL_LEVELS, True, True, centres, _("全覆盖")),
    Indicator("day_care", _("社区日间照料覆盖率"), Decimal(90), "pct", "%", 2022, _("2022年底"), "YJ 5, GD 2",
              _("阳江措施第五条；粤府办〔2019〕23号第（二）条"),
              _("有日间照料功能（日间照料中心，或提供日托的中心/互助幸福院）服务的村（社区）÷ 村（社区）"),
              "homecare", ALL_LEVELS, True, True, day_care),
    Indicator("circle15", _("15分钟居家养老服务圈"), CIRCLE_GOAL, "pct", "%", 2022, _("2022年底"), "YJ 5, GD 1",
              _("阳江措施第五条；粤府办〔2019〕23号第（一）条"),
              _("步行15分钟内有任一类养老服务设施的老年人占比（规划与配建的步行网络计算）；“基本建成”按≥90%判定（本平台口径）"),
              "planning", ALL_LEVELS, True, False, circle, _("基本建成（≥90%）")),
    Indicator("visit_rate", _("特殊困难老年人月探访率"), HUNDRED, "pct", "%", 2020, _("2020年底（省：2022年底）"),
              "YJ 5, GD 5", _("阳江措施第五条；粤府办〔2019〕23号第（五）条"),
              _("上月有有效探访记录的应探访老年人 ÷ 上月应探访老年人（定期探访月计划）"),
              "visits", ALL_LEVELS, True, True, visit_rate),
    Indicator("estates", _("新建住宅小区配建养老服务用房达标率"), HUNDRED, "pct", "%", 2022, _("2022年底"), "YJ 2, GD 15",
              _("阳江措施第二条；粤府办〔2019〕23号第（十五）条"),
              _("按现行规则（每百户不低于20平方米）达标的新建小区 ÷ 新建小区（规划与配建）"),
              "planning", ALL_LEVELS, True, False, estates),
    Indicator("star_homes", _("每县至少1所三星级以上县级敬老院（以失能特困为主）"), Decimal(1), "all", "所", 2022,
              _("2022年底"), "YJ 3, GD 7", _("阳江措施第三条；粤府办〔2019〕23号第（七）条"),
              _("县：有效星级≥三星、以收住失能特困人员为主的敬老院数（≥1）；市：达标县数/县数"),
              "institutions", (CITY_L, COUNTY_L), True, True, star_homes, _("每县≥1所")),
    Indicator("nursing_share", _("护理型床位占养老机构床位比例"), Decimal(50), "pct", "%", 2022, _("2022年底"), "YJ 6, GD 9",
              _("阳江措施第六条；粤府办〔2019〕23号第（九）条"),
              _("护理型床位 ÷ 养老机构床位（养老机构的床位登记）"),
              "institutions", ALL_LEVELS, True, False, nursing_share),
    Indicator("medical_coop", _("养老机构与医疗机构预约就诊、双向转诊合作"), HUNDRED, "pct", "%", 2020, _("2020年底"),
              "YJ 6, GD 9", _("阳江措施第六条；粤府办〔2019〕23号第（九）条"),
              _("有有效医养结合合作协议或内设医疗机构的养老机构 ÷ 养老机构"),
              "institutions", ALL_LEVELS, True, True, medical_cooperation, _("全部")),
    Indicator("geriatric_hospital", _("老年病、康复、护理、中医医院（与养老机构合作）"), Decimal(1), "count", "所", 2021,
              _("2021年底"), "YJ 6, GD 9", _("阳江措施第六条；粤府办〔2019〕23号第（九）条"),
              _("养老机构有效合作协议中医院类别为老年病/康复/护理/中医的医院数；无协议的医院以人工填报"),
              "institutions", (CITY_L,), True, True, geriatric_hospitals, _("全市≥1所")),
    Indicator("lottery_share", _("福利彩票公益金用于养老服务比例"), Decimal(55), "pct", "%", 2021, _("2021年起每年"),
              "YJ 11, GD 27", _("阳江措施第十一条；粤府办〔2019〕23号第（二十七）条"),
              _("当年用于养老服务的福彩公益金 ÷ 当年福彩公益金（资金保障模块）"),
              "funding", (CITY_L, COUNTY_L), True, True, lottery_share),
    Indicator("training", _("养老护理员和管理人员年度培训（本市分解目标）"), Decimal(1), "all", "人", 2022,
              _("2020—2022年每年"), "GD 11", _("粤府办〔2019〕23号第（十一）条：全省每年培训4万人次"),
              _("当年完成培训的人数 ÷ 本市分解目标（养老人才的年度培训目标）"),
              "workforce", (CITY_L,), False, False, training, _("完成年度分解目标")),
    Indicator("leases", _("闲置公有房产租赁期不少于15年"), HUNDRED, "pct", "%", None, _("持续"), "YJ 2, GD 16",
              _("阳江措施第二条；粤府办〔2019〕23号第（十六）条"),
              _("租期≥15年的在租/拟租闲置公有房产 ÷ 有起止日期的在租/拟租闲置公有房产（规划与配建）"),
              "planning", (CITY_L, COUNTY_L), False, False, leases, _("全部≥15年")),
    Indicator("admission_rules", _("公办养老机构轮候办法施行"), Decimal(1), "yes", "", 2020, _("2020年底"), "YJ-T 11, GD 6",
              _("阳江任务分解表第11项；粤府办〔2019〕23号第（六）条"),
              _("评估轮候模块有当日有效的优先规则和轮候办法"),
              "admissions", (CITY_L,), True, True, admission_rules, _("是")),
    Indicator("catalogue", _("政府购买养老服务项目清单公开"), Decimal(1), "yes", "", 2020, _("2020年底"), "YJ-T 15, GD 3",
              _("阳江任务分解表第15项；粤府办〔2019〕23号第（三）条"),
              _("居家社区养老服务项目清单中当日有效且已公开的项目（公众门户“养老服务”）"),
              "homecare", (CITY_L,), True, True, catalogue, _("是")),
]

BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}


def target_text(ind: Indicator) -> str:
    if ind.target_text:
        return str(ind.target_text)
    if ind.unit == "%":
        return ("" if ind.target == HUNDRED else "≥") + f"{ind.target:g}%"
    return f"≥{ind.target:g}{ind.unit}"
