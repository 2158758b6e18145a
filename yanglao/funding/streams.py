"""平台内支出: what the platform itself pays, read live from the modules that pay it, by purpose, year and county.

The rule against double counting (docs/funding.md): money paid through the platform is counted here and only
here; a spending record entered in this module (``Spending``) is money paid *outside* the platform, and a
voucher number the platform already used (a construction subsidy's 拨付凭证号) is refused there. Each stream
has a purpose and a source; the source is the default below unless the city set another (``StreamSource``).

What counts as paid, per stream:
- 津贴补贴: runs sent to the bank (已发放/已对账), per township summary, less lines the bank returned as failed
  (those are carried into a later run and counted when that run pays them);
- 居家服务结算: the subsidy part of approved (已审核) monthly provider settlements;
- 助餐补贴: the subsidy of each meal served;
- 适老化改造: the subsidy of accepted (已验收) adaptation projects, in the year of acceptance;
- 机构运营补贴: lines of approved monthly operating-subsidy runs, per institution's county;
- 床位建设补贴: construction subsidies marked paid (已拨付), in the year of payment.
Training subsidies (workforce) are rules only: the platform records no payment of them yet, so none appear.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db.models import Q, Sum
from django.db.models.functions import ExtractYear, Substr
from django.utils.translation import gettext_lazy as _

from .dictionaries import LOTTERY
from .models import ZERO

CENT = Decimal("0.01")
# (year, county code) → yuan
Amounts = dict[tuple[int, str], Decimal]


@dataclass(frozen=True)
class Stream:
    key: str
    label: object
    app: str
    purpose: str
    default_source: str
    compute: Callable[[str, int | None], Amounts]


def _rows(qs: Iterable[dict], *, fen: bool = False) -> Amounts:
    out: Amounts = defaultdict(lambda: ZERO)
    for row in qs:
        if row["s"] is None or row["y"] is None:
            continue
        value = Decimal(row["s"]) / 100 if fen else Decimal(row["s"])
        out[(int(row["y"]), row["c"])] += value.quantize(CENT)
    return dict(out)


def _grouped(qs, date_field: str, amount: str, year: int | None, *, fen: bool = False) -> Amounts:  # type: ignore[no-untyped-def]
    if year is not None:
        qs = qs.filter(**{f"{date_field}__year": year})
    qs = (qs.annotate(y=ExtractYear(date_field), c=Substr("division_code", 1, 6)).values("y", "c")
          .annotate(s=Sum(amount)).order_by())
    return _rows(qs, fen=fen)


def _benefits(prefix: str, year: int | None) -> Amounts:
    from yanglao.benefits.models import PaymentResult, RunSummary

    paid = ["paid", "reconciled"]
    summaries = _grouped(RunSummary.objects.filter(run__status__in=paid, division_code__startswith=prefix),
                         "run__month", "amount", year)
    failed = _grouped(PaymentResult.objects.filter(run__status__in=paid, outcome="failed",
                                                   division_code__startswith=prefix), "run__month", "amount", year)
    return {k: v - failed.get(k, ZERO) for k, v in summaries.items() if v - failed.get(k, ZERO)}


def _settlements(prefix: str, year: int | None) -> Amounts:
    from yanglao.homecare.models import Settlement

    return _grouped(Settlement.objects.filter(status="approved", division_code__startswith=prefix), "month",
                    "subsidy_fen", year, fen=True)


def _meals(prefix: str, year: int | None) -> Amounts:
    from yanglao.homecare.models import Meal

    return _grouped(Meal.objects.filter(subsidy_fen__gt=0, division_code__startswith=prefix), "day", "subsidy_fen",
                    year, fen=True)


def _adaptations(prefix: str, year: int | None) -> Amounts:
    from yanglao.homeadapt.models import Project

    return _grouped(Project.objects.filter(status="accepted", accepted_on__isnull=False, subsidy_fen__gt=0,
                                           division_code__startswith=prefix), "accepted_on", "subsidy_fen", year,
                    fen=True)


def _operating(prefix: str, year: int | None) -> Amounts:
    from yanglao.institutions.models import OperatingLine

    return _grouped(OperatingLine.objects.filter(run__status="approved", division_code__startswith=prefix),
                    "run__month", "amount", year)


def _construction(prefix: str, year: int | None) -> Amounts:
    from yanglao.institutions.models import ConstructionSubsidy

    return _grouped(ConstructionSubsidy.objects.filter(status="paid", paid_on__isnull=False,
                                                       division_code__startswith=prefix), "paid_on", "amount", year)


STREAMS: tuple[Stream, ...] = (
    Stream("benefits_runs", _("津贴补贴月度发放"), "benefits", "allowance", "general", _benefits),
    Stream("homecare_settlements", _("政府购买居家服务结算补贴"), "homecare", "purchase", "general", _settlements),
    Stream("homecare_meals", _("长者饭堂助餐补贴"), "homecare", "homecare", "general", _meals),
    Stream("homeadapt_projects", _("居家适老化改造补贴"), "homeadapt", "homecare", "general", _adaptations),
    Stream("institution_operating", _("养老机构运营补贴"), "institutions", "institution", "general", _operating),
    Stream("institution_construction", _("养老机构床位建设补贴"), "institutions", "institution", LOTTERY,
           _construction),
)
STREAM_KEYS = tuple(s.key for s in STREAMS)


def stream(key: str) -> Stream:
    return next(s for s in STREAMS if s.key == key)


def sources() -> dict[str, str]:
    """Each stream's source: the city's choice where it made one, else the default."""
    from .models import StreamSource

    chosen = dict(StreamSource.objects.values_list("stream", "source"))
    return {s.key: chosen.get(s.key, s.default_source) for s in STREAMS}


@dataclass(frozen=True)
class PlatformAmount:
    stream: str
    purpose: str
    source: str
    year: int
    county: str
    amount: Decimal


def platform_amounts(*, prefix: str, year: int | None = None) -> list[PlatformAmount]:
    """Every stream's paid amounts within ``prefix`` (a county or the city), by year and county. Streams of a
    module that is not installed count nothing. A county's money is filed under the county (6 digits)."""
    if not prefix:
        return []
    chosen = sources()
    out: list[PlatformAmount] = []
    for s in STREAMS:
        if not apps.is_installed(f"yanglao.{s.app}"):
            continue
        for (y, county), amount in sorted(s.compute(prefix, year).items()):
            out.append(PlatformAmount(s.key, s.purpose, chosen[s.key], y, county, amount))
    return out


def platform_vouchers(division_code: str) -> set[str]:
    """Voucher numbers the platform itself paid under (construction subsidies), for the double-entry check."""
    if not apps.is_installed("yanglao.institutions"):
        return set()
    from yanglao.institutions.models import ConstructionSubsidy

    return set(ConstructionSubsidy.objects.filter(~Q(voucher_no=""), status="paid",
                                                  division_code__startswith=division_code)
               .values_list("voucher_no", flat=True))


__all__ = ["STREAMS", "STREAM_KEYS", "PlatformAmount", "Stream", "platform_amounts", "platform_vouchers", "sources",
           "stream"]
