"""Demo institutions for Yangjiang: names, beds, ratings and rates are illustrative (演示数据)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yanglao.core.audit import audit_bulk
from yanglao.core.models import Division, DivisionLevel, Organisation, OrganisationKind
from yanglao.people.choices import LivingSituation, Status
from yanglao.people.models import Person

from .choices import BedStatus, BedType, FireSafety, Ownership
from .models import Bed, Institution, MedicalAgreement, OperatingRate, Residency, StarRating

# name, ownership, township code, beds, nursing share, tekun home, mainly disabled tekun, public admission, medical, star
HOMES = [
    ("阳江市江城区社会福利中心", Ownership.PUBLIC, "441702001", 160, 0.65, False, False, True, True, 4),
    ("江城区双捷镇敬老院", Ownership.PUBLIC, "441702100", 60, 0.55, True, True, True, False, 3),
    ("阳东区社会福利院", Ownership.PUBLIC, "441704001", 120, 0.5, False, False, True, True, 3),
    ("阳东区大沟镇敬老院", Ownership.PUBLIC_PRIVATE, "441704102", 48, 0.4, True, False, True, False, 2),
    ("阳西县中心敬老院", Ownership.PUBLIC, "441721100", 80, 0.6, True, True, True, True, 3),
    ("阳春市社会福利中心", Ownership.PUBLIC, "441781001", 140, 0.45, False, False, True, True, 0),
    ("阳春市春湾镇敬老院", Ownership.PUBLIC, "441781100", 40, 0.3, True, True, True, False, 2),
    ("阳江颐康护养院", Ownership.PRIVATE_NONPROFIT, "441702002", 100, 0.7, False, False, False, True, 4),
    ("阳江海陵岛康乐颐养中心", Ownership.PRIVATE_FORPROFIT, "441704100", 90, 0.35, False, False, False, False, 1),
    ("阳春市港澳长者之家", Ownership.HK_MACAO, "441781002", 60, 0.5, False, False, False, True, 0),
]
# Approximate WGS-84 positions of the homes' townships (the public portal's map); a little jitter per home.
PLACES = [(21.857, 111.955), (21.945, 111.880), (21.870, 112.010), (21.820, 112.140), (21.752, 111.620),
          (22.172, 111.790), (22.430, 111.950), (21.840, 111.975), (21.905, 112.055), (22.185, 111.805)]
HOSPITALS = ["阳江市人民医院", "阳江市中医医院", "阳东区人民医院", "阳西县人民医院", "阳春市人民医院"]


def load_demo(*, seed: int) -> str:
    if Institution.objects.exists():
        return "养老机构演示数据已存在，未重复生成"
    rng = random.Random(seed)
    today = timezone.localdate()
    operator = Organisation.objects.filter(kind=OrganisationKind.INSTITUTION).first()
    with transaction.atomic():
        OperatingRate.objects.create(
            valid_from=dt.date(today.year - 1, 1, 1), document_no="阳民〔演示〕1号（演示数值）", is_demo=True,
            base_by_level={"0": "100", "1": "200", "2": "400", "3": "600", "4": "800"},
            star_percent={"0": 0, "1": 0, "2": 5, "3": 10, "4": 15, "5": 20},
            medical_supplement=Decimal("100"), construction_per_bed=Decimal("5000"),
            construction_per_nursing_bed=Decimal("8000"),
        )
        beds_made = 0
        homes: list[Institution] = []
        for i, (name, ownership, township, beds, nursing, tekun, mainly, public, medical, star) in enumerate(HOMES):
            community = Division.objects.filter(level=DivisionLevel.COMMUNITY, code__startswith=township).order_by("code").first()
            code = community.code if community else township
            inst = Institution.objects.create(
                name=name, ownership=ownership, division_code=code, address=f"{community.short_name if community else ''}{rng.randint(1, 300)}号",
                capacity=beds, has_medical_unit=medical, medical_insurance_designated=medical, is_tekun_home=tekun,
                mainly_disabled_tekun=mainly, accepts_public_admission=public,
                fire_safety=FireSafety.PASSED if i != 8 else FireSafety.PENDING, fire_safety_date=dt.date(2021, 6, 1),
                licence_kind="filing", licence_no=f"阳民养备〔2021〕{i + 1:03d}号", licence_date=dt.date(2021, 3, 1 + i),
                operator=operator if i == 0 else None, phone=f"0662-3{rng.randint(100000, 999999)}",
                latitude=Decimal(str(PLACES[i][0])) + Decimal(rng.randint(-40, 40)) / 10000,
                longitude=Decimal(str(PLACES[i][1])) + Decimal(rng.randint(-40, 40)) / 10000,
            )
            homes.append(inst)
            n_nursing = round(beds * nursing)
            rows = []
            for b in range(beds):
                room = 101 + (b // 2) % 20 + 100 * (b // 40)
                rows.append(Bed(institution=inst, building="1号楼" if b < beds / 2 else "2号楼", floor=str(room // 100),
                                room=str(room), number=str(b % 2 + 1 + 2 * (b // 80)),
                                bed_type=BedType.NURSING if b < n_nursing else BedType.ORDINARY, division_code=code))
            Bed.objects.bulk_create(rows, ignore_conflicts=True)
            beds_made += len(rows)
            if star:
                totals = {1: (60, 70, 80, 380), 2: (70, 80, 90, 420), 3: (85, 95, 110, 450), 4: (100, 110, 125, 520)}[star]
                StarRating.objects.create(institution=inst, rated_on=dt.date(today.year - 1, 9, 1),
                                          valid_until=dt.date(today.year + 2, 8, 31), environment=totals[0],
                                          facilities=totals[1], operations=totals[2], service=totals[3],
                                          total=sum(totals), level=star, document_no="阳民〔演示〕评定", division_code=code)
            if medical or i % 3 == 0:
                MedicalAgreement.objects.create(institution=inst, hospital=HOSPITALS[i % len(HOSPITALS)], hospital_kind="综合",
                                                kind="both", valid_from=dt.date(2021, 1, 1), division_code=code)
        # Residents: people whose living situation is "in an institution", placed in homes of their county.
        placed = 0
        for inst in homes:
            county = inst.division_code[:6]
            free = list(Bed.objects.filter(institution=inst, status=BedStatus.VACANT)[: int(inst.capacity * 0.7)])
            people = list(Person.objects.filter(division_code__startswith=county, status=Status.ACTIVE,
                                                living_situation=LivingSituation.INSTITUTION,
                                                residencies__isnull=True)[: len(free)])
            for bed, person in zip(free, people, strict=False):
                Residency.objects.create(person=person, institution=inst, bed=bed, division_code=inst.division_code,
                                         admitted_on=today - dt.timedelta(days=rng.randint(30, 2000)))
                bed.status = BedStatus.OCCUPIED
                placed += 1
            Bed.objects.bulk_update(free, ["status"])
        audit_bulk(Bed, operation="demo", count=beds_made, division_code="4417", params={"homes": len(homes), "residents": placed})
    return f"演示养老机构 {len(homes)} 家，床位 {beds_made} 张，在院老年人 {placed} 人"
