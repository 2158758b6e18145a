"""People are picked by search, never by record number: the pick endpoint is scoped, masked and audited
through search_people; PersonField takes a name, last four + name or phone, keeps the form with the reason
(and the matches) on the field, and forms that used to ask for 档案编号 never end on a 404."""

from __future__ import annotations

import json
import re

import pytest
from django import forms

from yanglao.core.models import AuditEntry
from yanglao.core.pickers import bind_pickers
from yanglao.core.testing import page_client
from yanglao.people.pickers import PersonField, person_label

pytestmark = pytest.mark.usefixtures("divisions")


def _pick(user, q):
    got = page_client(user).get("/people/pick/", {"q": q})
    assert got.status_code == 200, got.content
    return json.loads(got.content)


def test_pick_finds_by_name_and_labels_without_identifiers(jiangcheng, new_person):
    person = new_person(name="黄秀英")
    found = _pick(jiangcheng, "黄秀")
    assert [r["id"] for r in found] == [person.pk]
    label = found[0]["label"]
    assert label == f"黄秀英（尾号{person.id_last4}，{person.age}岁，北门社区）"
    assert person.id_number_masked not in label and "1950" not in label and not re.search(r"\d{6,}", label)


def test_pick_finds_by_last_four_and_name_and_by_phone(jiangcheng, new_person):
    person = new_person(name="黄秀英", phone="13800138000")
    assert [r["id"] for r in _pick(jiangcheng, f"{person.id_last4}黄秀英")] == [person.pk]
    assert [r["id"] for r in _pick(jiangcheng, "13800138000")] == [person.pk]


def test_a_phone_search_in_the_picker_is_audited_as_an_identifier_search(jiangcheng, new_person):
    new_person(name="黄秀英", phone="13800138000")
    before = AuditEntry.objects.filter(object_type="core.identifier_search").count()
    _pick(jiangcheng, "13800138000")
    lines = AuditEntry.objects.filter(object_type="core.identifier_search")
    assert lines.count() == before + 1
    assert "13800138000" not in json.dumps([line.extra for line in lines], ensure_ascii=False)


def test_pick_returns_at_most_ten(jiangcheng, new_person):
    for _ in range(12):
        new_person(name="李桂芳")
    assert len(_pick(jiangcheng, "李桂芳")) == 10


def test_a_county_user_never_gets_another_countys_person(yangxi, new_person):
    new_person(name="黄秀英")
    assert _pick(yangxi, "黄秀英") == []


def test_pick_needs_people_view(client, new_person):
    assert client.get("/people/pick/?q=黄").status_code in (302, 403)


class _Form(forms.Form):
    person = PersonField()


def _clean(user, data):
    form = bind_pickers(_Form(data), user)
    return form.is_valid(), form


def test_a_name_posted_as_the_value_alone_is_searched_not_read_as_a_record_id(jiangcheng, new_person):
    """An API-like post (`person` without `person_text`) of a name used to end in a 500 (int('黄秀英'))."""
    person = new_person(name="黄秀英")
    ok, form = _clean(jiangcheng, {"person": "黄秀英"})
    assert ok and form.cleaned_data["person"] == person
    ok, form = _clean(jiangcheng, {"person": "无此人"})
    assert not ok and "没有找到" in form.errors["person"][0]


def test_the_field_takes_a_unique_name_typed_without_choosing(jiangcheng, new_person):
    person = new_person(name="黄秀英")
    ok, form = _clean(jiangcheng, {"person": "", "person_text": "黄秀英"})
    assert ok and form.cleaned_data["person"] == person


def test_the_field_takes_the_chosen_record(jiangcheng, new_person):
    person = new_person(name="黄秀英")
    ok, form = _clean(jiangcheng, {"person": str(person.pk), "person_text": person_label(person)})
    assert ok and form.cleaned_data["person"] == person


def test_digits_typed_are_searched_never_taken_as_a_record_number(jiangcheng, new_person):
    person = new_person(name="黄秀英")
    ok, form = _clean(jiangcheng, {"person": "", "person_text": str(person.pk)})
    assert not ok and "没有找到" in form.errors["person"][0]


def test_several_matches_keep_the_form_with_the_candidates(jiangcheng, new_person):
    a, b = new_person(name="黄秀英"), new_person(name="黄秀英")
    ok, form = _clean(jiangcheng, {"person": "", "person_text": "黄秀英"})
    assert not ok and "2 位" in form.errors["person"][0]
    html = str(form["person"])
    assert f'data-id="{a.pk}"' in html and f'data-id="{b.pk}"' in html and 'value="黄秀英"' in html


def test_another_countys_record_is_refused_on_the_field(yangxi, new_person):
    person = new_person(name="黄秀英")
    ok, form = _clean(yangxi, {"person": str(person.pk)})
    assert not ok and "不在您的管辖范围" in form.errors["person"][0]
    assert 'name="person_text" id="id_person" value=""' in str(form["person"])  # the number is not shown back
    ok, form = _clean(yangxi, {"person": "", "person_text": "黄秀英"})
    assert not ok and "没有找到" in form.errors["person"][0]


def test_the_widget_shows_the_persons_name_and_submits_the_id(jiangcheng, new_person):
    person = new_person(name="黄秀英")
    html = str(bind_pickers(_Form(initial={"person": person.pk}), jiangcheng)["person"])
    assert f'name="person" value="{person.pk}"' in html and f'value="{person_label(person)}"' in html
    assert "<script" not in html


# --- the forms that asked for 档案编号 --------------------------------------------------------------------

def test_admission_application_picks_the_person_by_name(jiangcheng, new_person):
    from tests.institutions.conftest import give_care_level
    from yanglao.admissions.models import Application
    from yanglao.institutions import services

    home = services.institution_create(by=jiangcheng, data={
        "name": "江城区社会福利中心", "ownership": "public", "division_code": "441702001001", "address": "北门路9号",
        "capacity": 100, "accepts_public_admission": True})
    person = new_person(name="黄秀英")
    give_care_level(person, 3)
    client = page_client(jiangcheng)
    page = client.get("/admissions/apply/").content.decode()
    assert "档案编号" not in page and 'data-picker="person"' in page
    got = client.post("/admissions/apply/", {"person": "", "person_text": "黄秀英", "institution": home.pk})
    assert got.status_code == 302, got.content.decode()[:2000]
    assert Application.objects.get().person == person


def test_a_wrong_person_on_the_admission_form_keeps_the_form(jiangcheng, yangxi, new_person):
    stranger = new_person(name="黄秀英")
    client = page_client(yangxi)
    got = client.post("/admissions/apply/", {"person": str(stranger.pk), "institution": ""})
    assert got.status_code == 200 and "不在您的管辖范围" in got.content.decode()
    got = client.post("/admissions/apply/", {"person": "", "person_text": "没有这个人", "institution": ""})
    assert got.status_code == 200 and "没有找到" in got.content.decode()
    assert client.get(f"/admissions/apply/?person={stranger.pk}").status_code == 200


def test_benefit_enrolment_and_suspension_pick_the_person_by_name(jiangcheng, new_person):
    from yanglao.benefits.models import Programme

    person = new_person(name="黄秀英")
    programme = Programme.objects.first()
    client = page_client(jiangcheng)
    for url in ("/benefits/enrolments/", "/benefits/suspensions/"):
        page = client.get(url).content.decode()
        assert "档案编号" not in page and 'data-picker="person"' in page
        got = client.post(url, {"person": "", "person_text": "不存在的人", "programme": getattr(programme, "pk", ""),
                                "from_month": "2026-12", "reason": "deceased"})
        assert got.status_code == 200 and "没有找到" in got.content.decode()
    assert person


def test_assessment_request_without_or_with_a_wrong_person_keeps_the_page(jiangcheng, yangxi, new_person):
    stranger = new_person(name="黄秀英")
    client = page_client(yangxi)
    assert client.get("/assessments/new/").status_code == 200
    got = client.get(f"/assessments/new/?person={stranger.pk}")
    assert got.status_code == 200 and "不在您的管辖范围" in got.content.decode()
    assert client.get("/assessments/new/?person=abc").status_code == 200


def test_assessment_request_picks_the_person_by_name(jiangcheng, new_person):
    from yanglao.assessments.models import Assessment

    person = new_person(name="黄秀英")
    got = page_client(jiangcheng).post("/assessments/new/", {
        "person": "", "person_text": f"{person.id_last4}黄秀英", "reason": "first", "requested_via": "staff"})
    assert got.status_code == 302, got.content.decode()[:3000]
    assert Assessment.objects.get().person == person
