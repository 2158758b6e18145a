"""The registry through the API: create, read, update, filters, masking, reveal, scope."""

import json

import pytest
from django.db import connection

from yanglao.core.models import AuditEntry
from yanglao.core.testing import api_client, assert_jurisdiction_scoped
from yanglao.people.models import Person

from .conftest import make_id

pytestmark = pytest.mark.django_db
URL = "/api/v1/people/"


def post(client, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def body(**kw):
    return {"id_number": make_id(), "name": "林亚妹", "division_code": "441702001001", "phone": "13800001234",
            "address": "北门路2号", "living_situation": "empty_nest"} | kw


def test_post_registers_a_person_with_birth_date_and_sex_from_the_id(api):
    got = post(api, body(id_number=make_id(birth="19480229", seq="124")))
    assert got.status_code == 201, got.content
    data = got.json()
    assert Person.objects.get(pk=data["id"]).birth_date.isoformat() == "1948-02-29"
    assert "birth_date" not in data and data["sex"] == "F" and data["age"] == 78  # the age, never the date
    assert data["id_number"] == "441702********" + make_id(birth="19480229", seq="124")[-4:]
    assert data["phone"] == "138******34"


def test_invalid_check_digit_answers_400_naming_the_field(api):
    good = make_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    got = post(api, body(id_number=bad))
    assert got.status_code == 400
    err = got.json()["error"]
    assert err["code"] == "validation_failed" and "校验位" in err["details"]["id_number"]
    assert not Person.objects.exists()


def test_impossible_birth_date_is_refused(api):
    got = post(api, body(id_number=make_id(birth="19500230")))
    assert got.status_code == 400 and "id_number" in got.json()["error"]["details"]


def test_a_15_digit_number_is_converted_and_the_conversion_noted(api):
    got = post(api, body(id_number="441702500101123"))
    assert got.status_code == 201
    person = Person.objects.get()
    assert person.id_converted_from_15 and person.birth_date.isoformat() == "1950-01-01"


def test_one_person_one_record_by_id_number(api):
    assert post(api, body()).status_code == 201
    again = post(api, body(name="林亚妹"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate_person"
    assert Person.objects.count() == 1


def test_a_person_outside_the_users_county_cannot_be_registered(api):
    got = post(api, body(division_code="441721100005"))
    assert got.status_code == 400 and "管辖范围" in got.json()["error"]["details"]["division_code"]


def test_unknown_division_code_is_refused(api):
    got = post(api, body(division_code="441702999999"))
    assert got.status_code == 400 and "不存在" in got.json()["error"]["details"]["division_code"]


def test_id_numbers_and_phones_are_encrypted_at_rest(api):
    number = make_id(seq="777")
    post(api, body(id_number=number, phone="13912345678"))
    with connection.cursor() as cur:
        cur.execute("SELECT id_number_enc, phone_enc, id_number_hash FROM people_person")
        enc, phone_enc, h = cur.fetchone()
    assert number not in enc and "13912345678" not in phone_enc and number not in h


def test_no_full_id_number_in_list_or_detail_responses(api, new_person):
    person = new_person()
    full = make_id(seq="101")
    for url in (URL, f"{URL}{person.pk}/"):
        assert full not in api.get(url).content.decode()


def test_reveal_returns_the_full_values_and_is_audited(api, new_person, jiangcheng):
    person = new_person()
    got = api.post(f"{URL}{person.pk}/reveal/", data=json.dumps({"reason": "核实身份"}), content_type="application/json")
    assert got.status_code == 200 and got.json()["id_number"] == make_id(seq="101")
    line = AuditEntry.objects.get(action="reveal", object_id=str(person.pk))
    assert line.actor_username == "jiangcheng" and line.division_code == "441702001001"


def test_viewing_a_record_is_logged_as_a_sensitive_view(api, new_person):
    person = new_person()
    api.get(f"{URL}{person.pk}/")
    assert AuditEntry.objects.filter(action="view_sensitive", object_id=str(person.pk)).exists()


def test_patch_changes_fields_and_history_keeps_before_and_after(api, new_person):
    person = new_person()
    got = api.patch(f"{URL}{person.pk}/", data=json.dumps({"address": "新地址", "living_situation": "with_children"}),
                    content_type="application/json")
    assert got.status_code == 200 and got.json()["address"] == "新地址"
    line = AuditEntry.objects.filter(object_type="people.person", object_id=str(person.pk), action="update").get()
    assert line.changes["address"] == ["北门路1号", "新地址"]
    assert line.changes["living_situation"] == ["alone", "with_children"]


def test_patch_cannot_move_a_person_out_of_the_county(api, new_person):
    person = new_person()
    got = api.patch(f"{URL}{person.pk}/", data=json.dumps({"division_code": "441721100006"}),
                    content_type="application/json")
    assert got.status_code == 400
    person.refresh_from_db()
    assert person.division_code == "441702001001"


def test_patch_status_deceased_needs_a_date(api, new_person):
    person = new_person()
    got = api.patch(f"{URL}{person.pk}/", data=json.dumps({"status": "deceased"}), content_type="application/json")
    assert got.status_code == 400 and "status_date" in got.json()["error"]["details"]
    ok = api.patch(f"{URL}{person.pk}/", data=json.dumps({"status": "deceased", "status_date": "2026-10-01"}),
                   content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "deceased"


def test_filters_by_division_prefix_category_age_status_and_living(api, new_person):
    a = new_person(name="甲一", categories=[{"category": "dibao", "valid_from": "2025-01-01"}])
    b = new_person(name="乙二", division_code="441702002001", living_situation="with_children",
                   id_number=make_id(birth="19300101", seq="555"))
    def ids(q):
        return {r["id"] for r in api.get(URL + q).json()["results"]}

    assert ids("?division=441702001") == {a.pk}
    assert ids("?category=dibao") == {a.pk}
    assert ids("?age_min=90") == {b.pk}
    assert ids("?age_max=80") == {a.pk}
    assert ids("?living_situation=with_children") == {b.pk}
    assert ids("?status=active") == {a.pk, b.pk}
    assert api.get(URL + "?division=441702").json()["count"] == 2


def test_search_by_full_id_last_four_plus_name_and_phone(api, new_person):
    person = new_person(name="黄桂英", phone="13711112222")
    other = new_person(name="黄桂兰")
    full = make_id(seq="101")

    def ids(q):
        return {r["id"] for r in api.get(URL, {"q": q}).json()["results"]}

    assert ids(full) == {person.pk}
    assert ids(full[-4:] + "黄桂英") == {person.pk}
    assert ids("137 1111 2222") == {person.pk}
    assert ids("黄桂") == {person.pk, other.pk}


def test_people_api_is_scoped_by_jurisdiction(new_person):
    person = new_person()
    assert_jurisdiction_scoped(division_code=person.division_code, list_url=URL, detail_url=f"{URL}{person.pk}/")


def test_township_staff_see_only_their_township(new_person, divisions):
    from yanglao.core.roles import Role
    from yanglao.core.testing import make_user

    inside = new_person()
    outside = new_person(division_code="441702002001")
    township = make_user(Role.TOWNSHIP_STAFF, "441702001")
    got = api_client(township).get(URL).json()
    assert got["count"] == 1 and got["results"][0]["id"] == inside.pk
    assert api_client(township).get(f"{URL}{outside.pk}/").status_code == 404


def test_a_registration_whose_answer_cannot_be_read_is_not_saved(api, monkeypatch):
    """The database going away between the save and the answer's read must not leave a saved person behind a
    503 that says 未保存 (the client would register them again): the write and its answer are one transaction."""
    from django.db import OperationalError

    from yanglao.people.api import PersonSerializer

    def lost(self, instance):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(PersonSerializer, "to_representation", lost)
    api.raise_request_exception = False
    got = post(api, body())
    assert got.status_code >= 500
    assert not Person.objects.exists()
