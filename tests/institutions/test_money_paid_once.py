"""One resident, one month, one approved operating-subsidy payment, whatever areas the runs cover
(issue 18 item 8); the other money paths pay a person, programme and month once too."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connections, transaction

from tests.conftest import needs_postgres
from yanglao.core.errors import Conflict
from yanglao.core.roles import Role
from yanglao.core.testing import make_user
from yanglao.institutions import services
from yanglao.institutions.models import OperatingClaim, OperatingLine, OperatingRun, Residency

from .conftest import give_care_level

MONTH = dt.date(2026, 10, 1)


def _residents(home, new_person, n: int) -> list:
    people = []
    for _ in range(n):
        person = new_person()
        Residency.objects.create(person=person, institution=home, admitted_on=dt.date(2025, 1, 1),
                                 division_code=home.division_code)
        give_care_level(person, 2, days_ago=90)
        people.append(person)
    return people


def _copy_as_city_run(county_run: OperatingRun, city) -> OperatingRun:
    """A city-wide run holding the same residents, as two computations racing past the overlap check would."""
    city_run = OperatingRun.objects.create(month=county_run.month, division_code="4417", prepared_by=city,
                                           rate=county_run.rate, residents=county_run.residents, total=county_run.total)
    OperatingLine.objects.bulk_create([
        OperatingLine(run=city_run, institution_id=line.institution_id, person_id=line.person_id,
                      care_level=line.care_level, star_level=line.star_level, medical=line.medical,
                      amount=line.amount, division_code=line.division_code)
        for line in county_run.lines.all()
    ])
    return city_run


@pytest.mark.django_db
def test_a_city_run_overlapping_an_approved_county_run_is_refused_naming_it(jiangcheng, city_admin, home, rate,
                                                                             new_person):
    _residents(home, new_person, 15)
    county_run = services.operating_compute(by=jiangcheng, month=MONTH)
    services.operating_approve(by=make_user(Role.COUNTY_STAFF, "441702"), run=county_run)
    assert OperatingClaim.objects.filter(month=MONTH).count() == 15
    with pytest.raises(Conflict) as refused:
        services.operating_compute(by=city_admin, month=MONTH)
    assert refused.value.message == f"2026年10月 江城区 运营补贴（编号 {county_run.pk}）已覆盖本月，不能重复计算"
    assert not OperatingRun.objects.filter(division_code="4417").exists()


@pytest.mark.django_db
def test_a_county_run_inside_a_city_preview_is_refused_too(jiangcheng, city_admin, home, rate, new_person):
    _residents(home, new_person, 2)
    city_run = services.operating_compute(by=city_admin, month=MONTH)
    with pytest.raises(Conflict, match=f"阳江市 运营补贴（编号 {city_run.pk}）已覆盖本月"):
        services.operating_compute(by=jiangcheng, month=MONTH)
    assert services.operating_compute(by=city_admin, month=MONTH).pk == city_run.pk  # recomputing itself is fine


@pytest.mark.django_db
def test_the_database_pays_a_resident_month_once_whatever_runs_cover_it(jiangcheng, city_admin, home, rate,
                                                                        new_person):
    people = _residents(home, new_person, 15)
    county_run = services.operating_compute(by=jiangcheng, month=MONTH)
    services.operating_approve(by=make_user(Role.COUNTY_STAFF, "441702"), run=county_run)
    city_run = _copy_as_city_run(county_run, city_admin)
    with pytest.raises(Conflict):
        services.operating_approve(by=make_user(Role.CITY_ADMIN, "4417"), run=city_run)
    city_run.refresh_from_db()
    assert city_run.status == "preview"
    assert OperatingClaim.objects.filter(month=MONTH).count() == 15
    # Even a write that skips every service check is refused by the unique index.
    with pytest.raises(IntegrityError), transaction.atomic():
        OperatingClaim.objects.create(person=people[0], month=MONTH, run=city_run,
                                      line=city_run.lines.get(person=people[0]), division_code=home.division_code)
    paid = sum(line.amount for line in OperatingLine.objects.filter(claim__isnull=False))
    assert paid == county_run.total == Decimal("7500.00")  # 15 × (level 2: 400 + 100 medical), once


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_approved_at_once_pay_each_resident_once(divisions, rate):
    from tests.conftest import make_id
    from yanglao.people import services as people_services

    county = make_user(Role.COUNTY_STAFF, "441702", username="race-county")
    city = make_user(Role.CITY_ADMIN, "4417", username="race-city")
    home = services.institution_create(by=county, data={
        "name": "竞争院", "ownership": "public", "division_code": "441702001001", "address": "x"})
    for i in range(15):
        person = people_services.person_create(by=county, data={
            "name": "测试人", "id_number": make_id(seq=f"{i:03d}"), "division_code": "441702001001",
            "living_situation": "alone"})
        Residency.objects.create(person=person, institution=home, admitted_on=dt.date(2025, 1, 1),
                                 division_code=home.division_code)
        give_care_level(person, 2, reviewer=county, days_ago=90)
    county_run = services.operating_compute(by=county, month=MONTH)
    city_run = _copy_as_city_run(county_run, city)
    approvers = [(make_user(Role.COUNTY_STAFF, "441702"), county_run), (make_user(Role.CITY_ADMIN, "4417"), city_run)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user, run):
        barrier.wait()
        try:
            services.operating_approve(by=user, run=run)
            outcomes.append("approved")
        except Conflict:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=pair) for pair in approvers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["approved", "refused"]
    assert OperatingRun.objects.filter(month=MONTH, status="approved").count() == 1
    assert OperatingClaim.objects.filter(month=MONTH).count() == 15


@pytest.mark.django_db
def test_a_discarded_county_preview_lets_the_city_compute_the_month(jiangcheng, city_admin, home, rate, new_person):
    from yanglao.core.testing import page_client

    _residents(home, new_person, 2)
    county_run = services.operating_compute(by=jiangcheng, month=MONTH)
    assert page_client(jiangcheng).post(f"/institutions/subsidies/{county_run.pk}/discard/").status_code == 302
    assert not OperatingRun.objects.filter(pk=county_run.pk).exists()
    city_run = services.operating_compute(by=city_admin, month=MONTH)
    assert city_run.residents == 2
    services.operating_approve(by=make_user(Role.CITY_ADMIN, "4417"), run=city_run)
    with pytest.raises(Conflict):
        services.operating_discard(by=city_admin, run=city_run)
