import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from yanglao.core.roles import Role
from yanglao.core.testing import make_user
from yanglao.institutions import services
from yanglao.institutions.models import OperatingRate


def give_care_level(person, level: int, *, reviewer=None, days_ago: int = 10):
    """An approved GB/T 42195 result for `person` (what the assessment workflow produces)."""
    from yanglao.assessments.models import Assessment

    reviewer = reviewer or make_user(Role.COUNTY_STAFF, person.division_code[:6])
    today = timezone.localdate()
    return Assessment.objects.create(
        person=person, division_code=person.division_code, scale="gbt42195", status="approved", level=level,
        base_level=level, total=90 - 20 * level if level < 4 else 10, reviewer=reviewer, approved_at=timezone.now(),
        valid_from=today - dt.timedelta(days=days_ago), valid_until=today + dt.timedelta(days=355 - days_ago),
    )


@pytest.fixture
def rate(db):
    return OperatingRate.objects.create(
        valid_from=dt.date(2020, 1, 1), document_no="阳民〔测试〕1号",
        base_by_level={"0": "100", "1": "200", "2": "400", "3": "600", "4": "800"},
        star_percent={"0": 0, "1": 0, "2": 5, "3": 10, "4": 15, "5": 20},
        medical_supplement=Decimal("100"), construction_per_bed=Decimal("5000"),
        construction_per_nursing_bed=Decimal("8000"),
    )


@pytest.fixture
def home(jiangcheng):
    """A public home in 江城区 on the waiting list, with two nursing beds."""
    inst = services.institution_create(by=jiangcheng, data={
        "name": "江城区社会福利中心", "ownership": "public", "division_code": "441702001001", "address": "北门路9号",
        "capacity": 100, "accepts_public_admission": True, "is_tekun_home": True, "mainly_disabled_tekun": True,
        "has_medical_unit": True,
    })
    services.beds_add(by=jiangcheng, institution=inst, building="1号楼", floor="1", rooms=["101"], beds_per_room=2,
                      bed_type="nursing")
    return inst
