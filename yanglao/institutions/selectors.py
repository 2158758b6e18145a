"""Reads for institutions: lists, occupancy and nursing-bed ratios, targets. Always scoped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from yanglao.core.models import Division, DivisionLevel
from yanglao.core.scope import restrict

from .choices import BedStatus, BedType
from .models import Bed, Institution, MedicalAgreement, Residency, StarRating

NURSING_TARGET = 0.5


def institutions_for(user: Any) -> QuerySet[Institution]:
    return restrict(Institution.objects.all(), user)


def current_star(institution: Institution, on: dt.date | None = None) -> StarRating | None:
    on = on or timezone.localdate()
    return institution.ratings.filter(rated_on__lte=on, valid_until__gte=on).order_by("-rated_on").first()


@dataclass
class BedStats:
    key: str
    name: str
    beds: int
    nursing: int
    occupied: int
    reserved: int
    vacant: int
    out_of_service: int

    @property
    def occupancy(self) -> float | None:
        in_use = self.beds - self.out_of_service
        return self.occupied / in_use if in_use else None

    @property
    def nursing_ratio(self) -> float | None:
        return self.nursing / self.beds if self.beds else None

    @property
    def meets_nursing_target(self) -> bool:
        return self.nursing_ratio is not None and self.nursing_ratio >= NURSING_TARGET


def bed_stats(user: Any, *, by: str) -> list[BedStats]:
    """Beds, nursing-type share and occupancy per institution, township, county or the whole jurisdiction."""
    beds = restrict(Bed.objects.all(), user)
    counts = dict(
        total=Count("id"),
        nursing=Count("id", filter=Q(bed_type=BedType.NURSING)),
        occupied=Count("id", filter=Q(status=BedStatus.OCCUPIED)),
        reserved=Count("id", filter=Q(status=BedStatus.RESERVED)),
        vacant=Count("id", filter=Q(status=BedStatus.VACANT)),
        out=Count("id", filter=Q(status=BedStatus.OUT_OF_SERVICE)),
    )
    if by == "institution":
        rows = beds.values("institution_id", "institution__name").annotate(**counts).order_by("institution__name")
        return [BedStats(str(r["institution_id"]), r["institution__name"], r["total"], r["nursing"], r["occupied"],
                         r["reserved"], r["vacant"], r["out"]) for r in rows]
    length = {"township": 9, "county": 6, "city": 4}[by]
    rows = beds.annotate(area=Substr("division_code", 1, length)).values("area").annotate(**counts).order_by("area")
    names = dict(Division.objects.filter(code__in=[r["area"] for r in rows]).values_list("code", "name"))
    return [BedStats(r["area"], names.get(r["area"], r["area"]), r["total"], r["nursing"], r["occupied"], r["reserved"],
                     r["vacant"], r["out"]) for r in rows]


@dataclass
class CountyTarget:
    code: str
    name: str
    met: bool
    homes: list[str]


def county_star_home_target(user: Any, on: dt.date | None = None) -> list[CountyTarget]:
    """Per county: at least one 三星级 or better 敬老院 caring mainly for disabled 特困 people (YJ 3, GD 7)."""
    on = on or timezone.localdate()
    counties = restrict(Division.objects.filter(level=DivisionLevel.COUNTY), user)
    if not counties.exists() and getattr(user, "scope_prefix", None):
        counties = Division.objects.filter(level=DivisionLevel.COUNTY, code=user.scope_prefix[:6])
    qualifying = (
        institutions_for(user).filter(is_tekun_home=True, mainly_disabled_tekun=True)
        .filter(ratings__rated_on__lte=on, ratings__valid_until__gte=on, ratings__level__gte=3)
        .values_list("division_code", "name").distinct()
    )
    homes: dict[str, list[str]] = {}
    for code, name in qualifying:
        homes.setdefault(code[:6], []).append(name)
    return [CountyTarget(c.code, c.name, bool(homes.get(c.code)), homes.get(c.code, [])) for c in counties]


def medical_cooperation(user: Any, on: dt.date | None = None) -> dict[str, int]:
    """Institutions with a valid appointment/referral agreement with a medical institution (target: all)."""
    on = on or timezone.localdate()
    insts = institutions_for(user)
    valid = MedicalAgreement.objects.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    with_agreement = insts.filter(Q(agreements__in=valid) | Q(has_medical_unit=True)).distinct().count()
    return {"institutions": insts.count(), "with_cooperation": with_agreement}


def latest_star_levels(institution_ids: list[int], on: dt.date | None = None) -> dict[int, int]:
    on = on or timezone.localdate()
    rows = (StarRating.objects.filter(institution_id__in=institution_ids, rated_on__lte=on, valid_until__gte=on)
            .values("institution_id").annotate(latest=Max("rated_on")))
    latest = {(r["institution_id"], r["latest"]) for r in rows}
    out: dict[int, int] = {}
    for r in StarRating.objects.filter(institution_id__in=institution_ids, rated_on__lte=on, valid_until__gte=on):
        if (r.institution_id, r.rated_on) in latest:
            out[r.institution_id] = r.level
    return out


def residents_of_organisation(organisation_id: int) -> QuerySet[Any]:
    """People living now in an institution the organisation operates (ids, for the assessments' scope)."""
    return Residency.objects.filter(institution__operator_id=organisation_id,
                                    discharged_on__isnull=True).values("person_id")


def workbench_institutions(user: Any) -> str:
    return f"{institutions_for(user).count():,}"


def workbench_beds(user: Any) -> str:
    rows = bed_stats(user, by="city")
    beds = sum(r.beds for r in rows)
    nursing = sum(r.nursing for r in rows)
    return f"{beds:,}（{round(100 * nursing / beds) if beds else 0}%）"
