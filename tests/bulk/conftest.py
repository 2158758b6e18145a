"""Fixtures for bulk actions: a township with people whose assessment results are due for review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.people.conftest import make_id, new_person  # noqa: F401 - fixture re-exported
from yanglao.assessments.models import Assessment
from yanglao.core.roles import Role
from yanglao.core.testing import make_user

SURNAMES = "黄陈林李王张刘吴郑何梁谢罗周许冯邓叶苏曾"
GIVEN = "秀英桂芳玉兰淑珍建国志强美玲亚娣金花伟明"
TOWNSHIP = "441702001"
COMMUNITY = "441702001001"


@pytest.fixture
def township(divisions):
    return make_user(Role.TOWNSHIP_STAFF, TOWNSHIP, username="nanen", real_name="林晓燕")


@pytest.fixture
def make_due(new_person, jiangcheng):  # noqa: F811
    """make_due(n, division_code=...) -> n people, each with an approved result ending within 30 days."""
    counter = {"n": 0}

    def create(n: int, *, division_code: str = COMMUNITY, region: str = "441702") -> list[Assessment]:
        today = timezone.localdate()
        results = []
        for _ in range(n):
            counter["n"] += 1
            k = counter["n"]
            person = new_person(name=SURNAMES[k % 20] + GIVEN[(k // 20) % 20] + GIVEN[(k * 7) % 20], id_number=make_id(region=region, birth="19450101", seq=f"{k:03d}"),
                                phone=f"1390000{k:04d}", division_code=division_code)
            until = today + dt.timedelta(days=k % 25)
            results.append(Assessment.objects.create(
                person=person, division_code=person.division_code, status="approved", level=2, base_level=2,
                total=60, approved_at=timezone.now(), reviewer=jiangcheng, reason="first",
                valid_from=until - dt.timedelta(days=364), valid_until=until, assessed_on=until - dt.timedelta(days=365)))
        return results

    return create


@pytest.fixture
def programme(city_admin):
    from yanglao.benefits import services

    return services.programme_create(by=city_admin, code="hulibutie", name="护理补贴", kind="subsidy",
                                     legal_basis="阳民〔2025〕3号", band_basis="flat", enrolment_mode="application")


@pytest.fixture
def applications(new_person, jiangcheng, programme):  # noqa: F811
    """applications(n) -> n applications for the programme, applied by jiangcheng (someone else decides)."""
    counter = {"n": 300}

    def create(n: int, *, division_code: str = COMMUNITY, region: str = "441702", by=None):
        from yanglao.benefits import services

        out = []
        for _ in range(n):
            counter["n"] += 1
            k = counter["n"]
            person = new_person(name=SURNAMES[k % 20] + GIVEN[(k // 20) % 20] + GIVEN[(k * 3) % 20],
                                id_number=make_id(region=region, birth="19400101", seq=f"{k:03d}"),
                                phone=f"1370000{k:04d}", division_code=division_code, by=by or jiangcheng)
            out.append(services.enrolment_apply(by=by or jiangcheng, person=person, programme=programme,
                                                from_month=dt.date(2026, 12, 1)))
        return out

    return create
