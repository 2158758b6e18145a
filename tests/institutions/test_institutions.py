"""Institutions, beds, star levels, statistics and targets, subsidies."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.models import AuditEntry, Organisation
from yanglao.core.roles import Role
from yanglao.core.testing import api_client, assert_jurisdiction_scoped, make_user, page_client
from yanglao.institutions import selectors, services
from yanglao.institutions.models import Bed, Residency
from yanglao.institutions.stars import StarSheetError, star_level

from .conftest import give_care_level

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("scores", "level"),
    [
        ({"environment": 120, "facilities": 130, "operations": 150, "service": 600}, 5),
        ({"environment": 108, "facilities": 117, "operations": 135, "service": 540}, 5),  # exactly 900 and 90 %
        ({"environment": 107, "facilities": 117, "operations": 135, "service": 580}, 4),  # environment below 90 %
        ({"environment": 96, "facilities": 104, "operations": 120, "service": 480}, 4),  # every section at 80 %
        ({"environment": 96, "facilities": 104, "operations": 120, "service": 479}, 3),
        ({"environment": 72, "facilities": 78, "operations": 90, "service": 360}, 3),  # every section at 60 %
        ({"environment": 60, "facilities": 65, "operations": 75, "service": 300}, 2),  # 50 %
        ({"environment": 48, "facilities": 52, "operations": 60, "service": 240}, 1),  # 40 %
        ({"environment": 47, "facilities": 52, "operations": 60, "service": 300}, 0),  # a section below 40 %
        ({"environment": 48, "facilities": 52, "operations": 60, "service": 239}, 0),
    ],
)
def test_star_level_needs_the_total_and_every_section_minimum(scores, level):
    assert star_level(scores).level == level


def test_star_sheet_above_a_section_maximum_is_refused_naming_it():
    with pytest.raises(StarSheetError) as exc:
        star_level({"environment": 121, "facilities": 130, "operations": 151, "service": 600})
    assert set(exc.value.errors) == {"environment", "operations"}


def test_rating_through_the_api_refuses_a_bad_sheet_and_changes_nothing(jiangcheng, home):
    api = api_client(jiangcheng)
    got = api.post(f"/api/v1/institutions/{home.pk}/stars/", data=json.dumps(
        {"environment": 130, "facilities": 130, "operations": 150, "service": 600, "rated_on": "2026-01-01"}),
        content_type="application/json")
    assert got.status_code == 400 and "environment" in got.json()["error"]["details"]
    assert not home.ratings.exists()
    ok = api.post(f"/api/v1/institutions/{home.pk}/stars/", data=json.dumps(
        {"environment": 90, "facilities": 100, "operations": 120, "service": 450, "rated_on": "2026-01-01"}),
        content_type="application/json")
    assert ok.status_code == 201 and ok.json()["level"] == 3 and ok.json()["valid_until"] == "2028-12-31"


def test_register_an_institution_with_beds_and_read_it_back(jiangcheng, home):
    body = api_client(jiangcheng).get(f"/api/v1/institutions/{home.pk}/").json()
    assert body["ownership_name"] == "公办" and body["beds"] == {"total": 2, "nursing": 2, "occupied": 0, "vacant": 2}
    assert AuditEntry.objects.filter(object_type="institutions.institution", action="create").exists()
    assert AuditEntry.objects.filter(action="bulk", extra__operation="beds_add", extra__count=2).exists()


def test_a_private_home_cannot_join_the_public_waiting_list(jiangcheng):
    with pytest.raises(ValidationFailed):
        services.institution_create(by=jiangcheng, data={"name": "民办院", "ownership": "private_forprofit",
                                                         "division_code": "441702001001", "address": "x",
                                                         "accepts_public_admission": True})


def test_an_institution_outside_the_county_cannot_be_registered(jiangcheng):
    with pytest.raises(ValidationFailed) as exc:
        services.institution_create(by=jiangcheng, data={"name": "院", "ownership": "public",
                                                         "division_code": "441721100005", "address": "x"})
    assert "管辖范围" in exc.value.details["division_code"]


def test_duplicate_bed_places_are_refused(jiangcheng, home):
    with pytest.raises(Conflict):
        services.beds_add(by=jiangcheng, institution=home, building="1号楼", floor="1", rooms=["101"], beds_per_room=1,
                          bed_type="ordinary")
    assert home.beds.count() == 2


def test_institutions_are_scoped_by_county_and_operator(jiangcheng, home):
    assert_jurisdiction_scoped(division_code=home.division_code, list_url="/api/v1/institutions/",
                               detail_url=f"/api/v1/institutions/{home.pk}/")
    assert_jurisdiction_scoped(division_code=home.division_code, list_url="/institutions/",
                               detail_url=f"/institutions/{home.pk}/", marker="江城区社会福利中心", api=False)


def test_operators_maintain_only_their_own_institution(jiangcheng, home, divisions):
    org = Organisation.objects.create(name="福利中心运营公司", kind="institution", division_code="441702001")
    services.institution_update(by=jiangcheng, institution=home, data={"phone": "0662-3000000"})
    home.operator = org
    home.save()
    operator = make_user(Role.INSTITUTION_OPERATOR, "", organisation=org)
    other_org = Organisation.objects.create(name="别家", kind="institution", division_code="441702001")
    stranger = make_user(Role.INSTITUTION_OPERATOR, "", organisation=other_org)
    services.change_request_create(by=operator, institution=home, data={"phone": "0662-3111111", "capacity": 120})
    with pytest.raises(Forbidden):
        services.institution_update(by=operator, institution=home, data={"ownership": "private_forprofit"})
    with pytest.raises(Forbidden):
        services.institution_update(by=stranger, institution=home, data={"phone": "1"})
    assert api_client(stranger).get(f"/api/v1/institutions/{home.pk}/").status_code == 404
    assert api_client(operator).get("/api/v1/institutions/").json()["count"] == 1


def test_occupancy_and_nursing_ratio_per_institution_township_county_city(jiangcheng, city_admin, home, new_person):
    services.beds_add(by=jiangcheng, institution=home, building="1号楼", floor="1", rooms=["102", "103"],
                      beds_per_room=1, bed_type="ordinary")
    bed = home.beds.first()
    Residency.objects.create(person=new_person(), institution=home, bed=bed, admitted_on=dt.date(2026, 1, 1),
                             division_code=home.division_code)
    Bed.objects.filter(pk=bed.pk).update(status="occupied")
    for by in ("institution", "township", "county", "city"):
        (row,) = selectors.bed_stats(city_admin, by=by)
        assert (row.beds, row.nursing, row.occupied) == (4, 2, 1)
        assert row.nursing_ratio == 0.5 and row.meets_nursing_target and row.occupancy == 0.25
    assert selectors.bed_stats(make_user(Role.COUNTY_STAFF, "441721"), by="county") == []


def test_county_target_needs_a_three_star_home_for_disabled_tekun(jiangcheng, city_admin, home):
    targets = {t.code: t.met for t in selectors.county_star_home_target(city_admin)}
    assert targets == {"441702": False, "441704": False, "441721": False, "441781": False}
    services.star_rate(by=jiangcheng, institution=home, rated_on=timezone.localdate(),
                       scores={"environment": 90, "facilities": 100, "operations": 120, "service": 450})
    targets = {t.code: t.met for t in selectors.county_star_home_target(city_admin)}
    assert targets["441702"] is True and targets["441704"] is False
    page = page_client(city_admin).get("/institutions/stats/").content.decode()
    assert "已达标" in page and "未达标" in page


def test_operating_subsidy_by_care_level_star_and_medical_then_maker_checker(jiangcheng, home, rate, new_person):
    person_a, person_b, person_c = new_person(), new_person(), new_person()
    beds = list(home.beds.all())
    for person, bed in zip((person_a, person_b), beds, strict=True):
        Residency.objects.create(person=person, institution=home, bed=bed, admitted_on=dt.date(2025, 1, 1),
                                 division_code=home.division_code)
    Residency.objects.create(person=person_c, institution=home, admitted_on=dt.date(2025, 1, 1),
                             division_code=home.division_code)
    give_care_level(person_a, 4)
    give_care_level(person_b, 2)  # person_c has no assessment: no subsidy
    services.star_rate(by=jiangcheng, institution=home, rated_on=dt.date(2025, 6, 1),
                       scores={"environment": 90, "facilities": 100, "operations": 120, "service": 450})
    month = timezone.localdate().replace(day=1)
    run = services.operating_compute(by=jiangcheng, month=month)
    # level 4: 800 × 110 % + 100 medical = 980; level 2: 400 × 110 % + 100 = 540
    assert run.residents == 2 and run.total == Decimal("1520.00")
    again = services.operating_compute(by=jiangcheng, month=month)
    assert again.pk == run.pk and again.lines.count() == 2
    with pytest.raises(Forbidden):
        services.operating_approve(by=jiangcheng, run=run)
    colleague = make_user(Role.COUNTY_STAFF, "441702")
    services.operating_approve(by=colleague, run=run)
    with pytest.raises(Conflict):
        services.operating_compute(by=jiangcheng, month=month)


def test_construction_subsidy_needs_check_and_approval_by_others(jiangcheng, home, rate):
    subsidy = services.construction_apply(by=jiangcheng, institution=home, beds_added=10, nursing_beds_added=4)
    assert subsidy.amount == Decimal("62000.00")  # 6 × 5000 + 4 × 8000
    with pytest.raises(Forbidden):
        services.construction_advance(by=jiangcheng, subsidy=subsidy, action="check")
    checker, approver = make_user(Role.COUNTY_STAFF, "441702"), make_user(Role.COUNTY_STAFF, "441702")
    subsidy = services.construction_advance(by=checker, subsidy=subsidy, action="check", notes="现场核查属实")
    with pytest.raises(Forbidden):
        services.construction_advance(by=checker, subsidy=subsidy, action="approve")
    subsidy = services.construction_advance(by=approver, subsidy=subsidy, action="approve")
    with pytest.raises(ValidationFailed):
        services.construction_advance(by=approver, subsidy=subsidy, action="pay")
    subsidy = services.construction_advance(by=approver, subsidy=subsidy, action="pay", voucher_no="付〔2026〕88号")
    assert subsidy.status == "paid"
    with pytest.raises(Conflict):
        services.construction_advance(by=approver, subsidy=subsidy, action="pay", voucher_no="x")


def test_institution_pages_render(jiangcheng, home):
    client = page_client(jiangcheng)
    assert "江城区社会福利中心" in client.get("/institutions/").content.decode()
    detail = client.get(f"/institutions/{home.pk}/").content.decode()
    assert "101房" in detail and "护理型" in detail
    got = client.post(f"/institutions/{home.pk}/beds/", {"building": "2号楼", "floor": "2", "rooms": "201-203",
                                                          "beds_per_room": 2, "bed_type": "ordinary"})
    assert got.status_code == 302 and home.beds.count() == 8
