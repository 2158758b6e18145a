"""What the public portal reads, live from the modules. Nothing here returns a person: only institutions,
services, policies and counts. Every list is a few queries whatever its length (aggregates, no query per row)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Substr
from django.utils import timezone

from yanglao.core.divisions import division_short_name
from yanglao.core.models import Division, DivisionLevel
from yanglao.institutions.choices import STAR_NAMES, BedStatus, BedType, Ownership
from yanglao.institutions.models import Bed, Institution, MedicalAgreement, StarRating

from .models import InstitutionListing, PolicyKind, PolicyText

CITY = "4417"


@dataclass
class HomeCard:
    pk: int
    name: str
    ownership: str
    ownership_label: str
    division_code: str
    county: str
    township: str
    community: str
    address: str
    phone: str
    star: int
    star_label: str
    beds: int
    nursing_beds: int
    nursing_vacant: int
    ordinary_beds: int
    ordinary_vacant: int
    price_min: Decimal | None
    price_max: Decimal | None
    price_note: str
    introduction: str
    photo_url: str
    has_medical_unit: bool
    insurance: bool
    hospitals: list[str] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    public_admission: bool = False

    @property
    def vacant(self) -> int:
        return self.nursing_vacant + self.ordinary_vacant


@dataclass(frozen=True)
class DirectoryFilters:
    county: str = ""
    township: str = ""
    star: int = 0
    nursing_vacant: bool = False
    ownership: str = ""
    medical: bool = False

    @classmethod
    def from_query(cls, get: Any) -> DirectoryFilters:
        county = (get.get("county") or "").strip()
        township = (get.get("township") or "").strip()
        county = county if county.isdigit() and len(county) == 6 and county.startswith(CITY) else ""
        township = township if township.isdigit() and len(township) == 9 and township.startswith(county or CITY) else ""
        star = get.get("star") or ""
        ownership = get.get("ownership") or ""
        return cls(county=county, township=township, star=int(star) if star in {"1", "2", "3", "4", "5"} else 0,
                   nursing_vacant=get.get("nursing_vacant") == "1",
                   ownership=ownership if ownership in Ownership.values else "", medical=get.get("medical") == "1")

    @property
    def active(self) -> bool:
        return bool(self.county or self.township or self.star or self.nursing_vacant or self.ownership or self.medical)


def _current_star() -> Subquery:
    today = timezone.localdate()
    return Subquery(StarRating.objects.filter(institution=OuterRef("pk"), rated_on__lte=today, valid_until__gte=today)
                    .order_by("-rated_on").values("level")[:1], output_field=IntegerField())


def _bed_count(**where: Any) -> Count:
    return Count("beds", filter=Q(**{f"beds__{k}": v for k, v in where.items()}), distinct=True)


def homes(filters: DirectoryFilters | None = None, *, pk: int | None = None) -> list[HomeCard]:
    """The care homes of the city with their beds and vacancies by type, star level, price range and medical
    capability, filtered as the public asks. Vacant means free now (not occupied, reserved or out of service)."""
    f = filters or DirectoryFilters()
    qs = Institution.objects.all()
    if pk is not None:
        qs = qs.filter(pk=pk)
    prefix = f.township or f.county or CITY
    qs = qs.filter(division_code__startswith=prefix)
    if f.ownership:
        qs = qs.filter(ownership=f.ownership)
    if f.medical:
        qs = qs.filter(Q(has_medical_unit=True) | Q(medical_insurance_designated=True))
    qs = qs.annotate(
        star=_current_star(),
        n_beds=Count("beds", filter=~Q(beds__status=BedStatus.OUT_OF_SERVICE), distinct=True),
        n_nursing=_bed_count(bed_type=BedType.NURSING),
        n_nursing_vacant=_bed_count(bed_type=BedType.NURSING, status=BedStatus.VACANT),
        n_ordinary=_bed_count(bed_type=BedType.ORDINARY),
        n_ordinary_vacant=_bed_count(bed_type=BedType.ORDINARY, status=BedStatus.VACANT),
    )
    if f.star:
        qs = qs.filter(star__gte=f.star)
    if f.nursing_vacant:
        qs = qs.filter(n_nursing_vacant__gt=0)
    rows = list(qs.order_by("division_code", "name"))
    listings = {x.institution_id: x for x in InstitutionListing.objects.filter(institution__in=[r.pk for r in rows])}
    today = timezone.localdate()
    hospitals: dict[int, list[str]] = {}
    for inst_id, name in (MedicalAgreement.objects.filter(institution__in=[r.pk for r in rows], valid_from__lte=today)
                          .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
                          .values_list("institution_id", "hospital").order_by("hospital")):
        hospitals.setdefault(inst_id, []).append(name)
    cards = []
    for r in rows:
        listing = listings.get(r.pk)
        star = int(r.star or 0)
        cards.append(HomeCard(
            pk=r.pk, name=r.name, ownership=r.ownership, ownership_label=str(r.get_ownership_display()),
            division_code=r.division_code, county=_name(r.division_code[:6]),
            township=_name(r.division_code[:9]), community=_name(r.division_code) if len(r.division_code) > 9 else "",
            address=r.address, phone=r.phone, star=star, star_label=str(STAR_NAMES.get(star, "")),
            beds=r.n_beds, nursing_beds=r.n_nursing, nursing_vacant=r.n_nursing_vacant,
            ordinary_beds=r.n_ordinary, ordinary_vacant=r.n_ordinary_vacant,
            price_min=listing.price_min if listing else None, price_max=listing.price_max if listing else None,
            price_note=listing.price_note if listing else "", introduction=listing.introduction if listing else "",
            photo_url=listing.photo.url if listing and listing.photo else "",
            has_medical_unit=r.has_medical_unit, insurance=r.medical_insurance_designated,
            hospitals=hospitals.get(r.pk, []),
            latitude=float(r.latitude) if r.latitude is not None else None,
            longitude=float(r.longitude) if r.longitude is not None else None,
            public_admission=r.accepts_public_admission,
        ))
    return cards


def _name(code: str) -> str:
    """A division's name; "" for a code the division table does not know (never the code itself)."""
    name = division_short_name(code)
    return "" if not name or name.isdigit() else name


def home(pk: int) -> HomeCard | None:
    found = homes(pk=pk)
    return found[0] if found else None


def counties() -> list[tuple[str, str]]:
    return [(d.code, d.name) for d in Division.objects.filter(code__startswith=CITY, level=DivisionLevel.COUNTY)
            .order_by("code")]


def townships_with_homes() -> list[tuple[str, str, str]]:
    """(code, name, county code) of the townships that have a care home: the filter offers only those."""
    codes = sorted({c[:9] for c in Institution.objects.values_list("division_code", flat=True) if len(c) >= 9})
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return [(c, names.get(c, division_short_name(c)), c[:6]) for c in codes]


def map_points(cards: list[HomeCard]) -> list[dict[str, Any]]:
    """The homes as points for the ECharts map: [longitude, latitude, nursing vacant] plus what a tooltip shows."""
    return [{"name": c.name, "value": [c.longitude, c.latitude, c.nursing_vacant], "id": c.pk,
             "star": c.star_label, "vacant": c.vacant, "township": c.township or c.county}
            for c in cards if c.latitude is not None and c.longitude is not None]


# --------------------------------------------------------------------------- inspections and credit
def inspections_of(institution_id: int, *, limit: int = 5) -> list[Any]:
    """The published inspection results of a home (as the supervision module publishes them), newest first."""
    from yanglao.supervision.models import Inspection

    return list(Inspection.objects.filter(target__institution_id=institution_id, published_at__isnull=False)
                .select_related("item").order_by("-published_at")[:limit])


def credit_target_of(institution_id: int) -> Any:
    from yanglao.supervision.models import Target

    return Target.objects.filter(institution_id=institution_id, active=True).first()


def public_credit_entries(target: Any) -> list[Any]:
    if target is None:
        return []
    today = timezone.localdate()
    return list(target.credit_entries.filter(public=True).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today)))


# --------------------------------------------------------------------------- services
def catalogue() -> list[Any]:
    from yanglao.homecare.models import ServiceItem

    today = timezone.localdate()
    return list(ServiceItem.objects.filter(published=True, valid_from__lte=today).exclude(valid_to__lt=today)
                .prefetch_related("rules__programme").order_by("kind", "code"))


def meal_points(county: str = "") -> list[Any]:
    from yanglao.homecare.choices import FacilityKind
    from yanglao.homecare.models import Facility

    qs = Facility.objects.filter(active=True, kind__in=[FacilityKind.CANTEEN, FacilityKind.MEAL_POINT])
    if county:
        qs = qs.filter(division_code__startswith=county)
    return list(qs.select_related("meal_item").order_by("division_code", "name"))


def service_centres(county: str = "") -> list[Any]:
    from yanglao.homecare.choices import FacilityKind
    from yanglao.homecare.models import Facility

    qs = Facility.objects.filter(active=True).exclude(kind__in=[FacilityKind.CANTEEN, FacilityKind.MEAL_POINT])
    if county:
        qs = qs.filter(division_code__startswith=county)
    return list(qs.order_by("division_code", "name"))


# --------------------------------------------------------------------------- policies
@dataclass
class PolicyView:
    text: PolicyText
    bands: list[Any]


def policies(kind: str) -> list[PolicyView]:
    """Published policy texts of a kind; a subsidy text shows its programme's amounts valid today."""
    from yanglao.benefits.models import AmountBand

    today = timezone.localdate()
    texts = list(PolicyText.objects.filter(kind=kind, published=True).select_related("programme"))
    programme_ids = [t.programme_id for t in texts if t.programme_id]
    bands: dict[int, list[Any]] = {}
    for b in (AmountBand.objects.filter(programme_id__in=programme_ids, valid_from__lte=today)
              .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today)).order_by("key_min")):
        bands.setdefault(b.programme_id, []).append(b)
    return [PolicyView(t, bands.get(t.programme_id or 0, [])) for t in texts]


def policy(pk: int) -> PolicyView | None:
    found = [p for p in policies_all() if p.text.pk == pk]
    return found[0] if found else None


def policies_all() -> list[PolicyView]:
    return [p for kind in PolicyKind.values for p in policies(kind)]


@dataclass
class SupplyRow:
    code: str
    name: str
    homes: int
    beds: int
    nursing: int
    vacant: int
    nursing_vacant: int
    occupied: int
    waiting: int
    older_people: int

    @property
    def occupancy(self) -> int:
        return round(100 * self.occupied / self.beds) if self.beds else 0

    @property
    def beds_per_thousand(self) -> str:
        return f"{1000 * self.beds / self.older_people:.1f}" if self.older_people else "—"


def supply_and_demand() -> list[SupplyRow]:
    """Bed supply against demand per county, from live data: beds by type and status, the waiting list of
    public homes (active applications) and the older people on the registry. One aggregate query each."""
    from yanglao.admissions.models import ACTIVE_STATUSES, Application
    from yanglao.people.choices import Status
    from yanglao.people.models import Person

    county = Substr("division_code", 1, 6)
    beds = {r["c"]: r for r in Bed.objects.exclude(status=BedStatus.OUT_OF_SERVICE).annotate(c=county).values("c").annotate(
        n=Count("id"), nursing=Count("id", filter=Q(bed_type=BedType.NURSING)),
        vacant=Count("id", filter=Q(status=BedStatus.VACANT)),
        nursing_vacant=Count("id", filter=Q(status=BedStatus.VACANT, bed_type=BedType.NURSING)),
        occupied=Count("id", filter=Q(status=BedStatus.OCCUPIED)))}
    homes_n = dict(Institution.objects.annotate(c=county).values("c").annotate(n=Count("id")).values_list("c", "n"))
    waiting = dict(Application.objects.filter(status__in=ACTIVE_STATUSES)
                   .annotate(c=Substr("institution_division_code", 1, 6)).values("c").annotate(n=Count("id"))
                   .values_list("c", "n"))
    people = dict(Person.objects.filter(status=Status.ACTIVE).annotate(c=county).values("c").annotate(n=Count("id"))
                  .values_list("c", "n"))
    rows = []
    for code, name in counties():
        b = beds.get(code, {})
        rows.append(SupplyRow(code=code, name=name, homes=homes_n.get(code, 0), beds=b.get("n", 0),
                              nursing=b.get("nursing", 0), vacant=b.get("vacant", 0),
                              nursing_vacant=b.get("nursing_vacant", 0), occupied=b.get("occupied", 0),
                              waiting=waiting.get(code, 0), older_people=people.get(code, 0)))
    return rows


def as_of() -> dt.datetime:
    return timezone.localtime()
