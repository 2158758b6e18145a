"""What create refuses, update refuses too (issue 18, item 17): one validator per field, shared by
person_create and person_update, and by every path that adds a category. Bulk requests are bounded."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import make_id
from yanglao.core.errors import ValidationFailed
from yanglao.core.testing import api_client, page_client
from yanglao.people import services
from yanglao.people.validation import CategoryInput


@pytest.fixture
def person(new_person):
    return new_person()


@pytest.mark.parametrize("data,field", [
    ({"hukou_division_code": "abc"}, "hukou_division_code"),
    ({"hukou_division_code": "44170"}, "hukou_division_code"),
    ({"division_code": "abc"}, "division_code"),
    ({"consent_at": dt.date(9999, 1, 1)}, "consent_at"),
    ({"consent_at": dt.date(1800, 1, 1)}, "consent_at"),
    ({"status": "deceased", "status_date": dt.date(9999, 1, 1)}, "status_date"),
    ({"address": "北" * 201}, "address"),
    ({"consent_by": "张" * 33}, "consent_by"),
    ({"living_situation": "nonsense"}, "living_situation"),
    ({"name": "x"}, "name"),
])
def test_update_refuses_what_create_refuses(jiangcheng, person, data, field):
    with pytest.raises(ValidationFailed) as caught:
        services.person_update(by=jiangcheng, person=person, data=data)
    assert field in caught.value.details
    person.refresh_from_db()
    assert person.hukou_division_code == "441702" and person.consent_at is None and person.status == "active"


def test_create_refuses_the_same_hukou_code(jiangcheng):
    with pytest.raises(ValidationFailed) as caught:
        services.person_create(by=jiangcheng, data={
            "name": "陈秀英", "id_number": make_id(seq="777"), "division_code": "441702001001",
            "living_situation": "alone", "hukou_division_code": "abc"}, today=dt.date(2026, 11, 23))
    assert "hukou_division_code" in caught.value.details


def test_update_still_accepts_valid_changes(jiangcheng, person):
    updated = services.person_update(by=jiangcheng, person=person, data={
        "hukou_division_code": "441702001", "consent_at": dt.date(2026, 1, 5), "consent_by": "陈大明",
        "address": "  北门路2号 ", "living_situation": "empty_nest"})
    assert (updated.hukou_division_code, updated.consent_at, updated.address, updated.living_situation) == (
        "441702001", dt.date(2026, 1, 5), "北门路2号", "empty_nest")


def test_the_api_update_refuses_a_consent_date_in_9999(jiangcheng, person):
    response = api_client(jiangcheng).patch(f"/api/v1/people/{person.pk}/", data={"consent_at": "9999-01-01"},
                                            content_type="application/json")
    assert response.status_code == 400
    assert "consent_at" in response.json()["error"]["details"]


def test_a_category_added_on_the_record_page_is_checked_like_one_at_registration(jiangcheng, person):
    future = dt.date.today() + dt.timedelta(days=400)
    with pytest.raises(ValidationFailed):
        services.category_add(by=jiangcheng, person=person, item=CategoryInput(category="tekun", valid_from=future))
    with pytest.raises(ValidationFailed):
        services.category_add(by=jiangcheng, person=person,
                              item=CategoryInput(category="severe_disability", valid_from=dt.date(2025, 1, 1)))
    response = page_client(jiangcheng).post(f"/people/{person.pk}/categories/", {
        "category": "tekun", "valid_from": future.isoformat(), "document_no": "", "issuing_unit": ""})
    assert response.status_code in (200, 302, 400)
    assert not person.categories.filter(valid_from=future).exists()


# --- bulk bounds ------------------------------------------------------------------------------------

@pytest.fixture
def home(jiangcheng):
    from yanglao.institutions import services as inst

    return inst.institution_create(by=jiangcheng, data={
        "name": "江城区社会福利中心", "ownership": "public", "division_code": "441702001001", "address": "北门路9号",
        "capacity": 100})


def test_one_request_cannot_create_more_than_the_bed_limit(jiangcheng, home, settings):
    from yanglao.institutions import services as inst

    rooms = [str(n) for n in range(1, 5001)]
    with pytest.raises(ValidationFailed) as caught:
        inst.beds_add(by=jiangcheng, institution=home, building="1号楼", floor="1", rooms=rooms, beds_per_room=12,
                      bed_type="nursing")
    assert "最多添加 500 张" in caught.value.message
    assert home.beds.count() == 0
    created = inst.beds_add(by=jiangcheng, institution=home, building="1号楼", floor="1", rooms=rooms[:250],
                            beds_per_room=2, bed_type="nursing")
    assert len(created) == 500
    settings.BULK_MAX_BEDS = 10
    with pytest.raises(ValidationFailed):
        inst.beds_add(by=jiangcheng, institution=home, building="2号楼", floor="1", rooms=["1", "2"], beds_per_room=6,
                      bed_type="nursing")


def test_the_bed_limit_holds_for_the_api_and_the_console(jiangcheng, home):
    response = api_client(jiangcheng).post(f"/api/v1/institutions/{home.pk}/beds/", data={
        "building": "1号楼", "floor": "1", "rooms": [str(n) for n in range(1, 1001)], "beds_per_room": 12,
        "bed_type": "nursing"}, content_type="application/json")
    assert response.status_code == 400
    assert "最多添加" in response.json()["error"]["message"]
    page_client(jiangcheng).post(f"/institutions/{home.pk}/beds/", {
        "building": "1号楼", "floor": "1", "rooms": ",".join(f"{a}-{a + 100}" for a in range(1, 60000, 101)),
        "beds_per_room": 12, "bed_type": "nursing"})
    assert home.beds.count() == 0


def test_over_long_bed_names_are_refused_before_the_database(jiangcheng, home):
    from yanglao.institutions import services as inst

    with pytest.raises(ValidationFailed):
        inst.beds_add(by=jiangcheng, institution=home, building="楼" * 40, floor="1", rooms=["101"], beds_per_room=1,
                      bed_type="nursing")


def test_a_bed_range_with_non_ascii_digits_is_not_a_server_error(jiangcheng, home):
    response = page_client(jiangcheng).post(f"/institutions/{home.pk}/beds/", {
        "building": "1号楼", "floor": "1", "rooms": "²-3,101", "beds_per_room": 1, "bed_type": "nursing"})
    assert response.status_code in (200, 302)
    assert list(home.beds.values_list("room", flat=True)) == ["101"]
