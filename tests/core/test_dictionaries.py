"""字典管理: code lists offices extend in the console, read by forms, imports, exports and the API;
built-in values protected; a county's own values only in that county; every change audited."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import make_id
from yanglao.core import dictionaries
from yanglao.core.errors import Conflict, Forbidden
from yanglao.core.models import AuditEntry, DictionaryItem
from yanglao.core.roles import Role
from yanglao.core.testing import api_client, make_user, page_client
from yanglao.people.choices import Category, LivingSituation
from yanglao.people.dictionaries import CATEGORIES, LIVING
from yanglao.people.importing import import_create, run_job
from yanglao.people.models import Person

pytestmark = pytest.mark.django_db


def add_via_console(user, key="living_situation", **fields):
    data = {"label": "与孙辈同住", "label_en": "With grandchildren", "code": "", "sort_order": "75", "division": ""} | fields
    return page_client(user).post(f"/dictionaries/{key}/", data)


def roster(*rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "身份证号码", "居住社区代码", "居住状况", "人员类别"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_the_built_in_values_are_seeded_from_the_code_choices():
    seeded = {(i.code, i.label) for i in DictionaryItem.objects.filter(dictionary="living_situation", built_in=True)}
    assert seeded == {(code, str(label)) for code, label in LivingSituation.choices}
    assert [c for c, _l, _e in LIVING] == LivingSituation.values and [c for c, _l, _e in CATEGORIES] == Category.values
    assert DictionaryItem.objects.filter(dictionary="contact_relation", code="other", label="其他").exists()


def test_a_living_situation_added_in_the_console_appears_in_the_form_and_is_accepted_by_import_and_api(
        city_admin, jiangcheng):
    response = add_via_console(city_admin)
    assert response.status_code == 302, response.content.decode()[:3000]
    item = DictionaryItem.objects.get(dictionary="living_situation", label="与孙辈同住")
    assert not item.built_in and item.code.startswith("x")
    # the person form offers it
    form = page_client(jiangcheng).get("/people/new/").content.decode()
    assert f'value="{item.code}"' in form and "与孙辈同住" in form
    # an import with the label
    job = run_job(import_create(by=jiangcheng, filename="r.csv", all_or_nothing=False,
                                content=roster(["陈秀英", make_id(seq="301"), "441702001001", "与孙辈同住", ""])).pk)
    assert job.created_people == 1, list(job.errors.values_list("reason", flat=True))
    assert Person.objects.get(id_last4=make_id(seq="301")[-4:]).living_situation == item.code
    # the API with the code
    got = api_client(jiangcheng).post("/api/v1/people/", content_type="application/json", data=json.dumps(
        {"id_number": make_id(seq="302"), "name": "林亚妹", "division_code": "441702001001", "living_situation": item.code}))
    assert got.status_code == 201, got.content
    assert got.json()["living_situation_name"] == "与孙辈同住"
    # and the export shows the label
    export = page_client(jiangcheng).get("/people/export/", {"format": "csv"})
    assert "与孙辈同住" in b"".join(export.streaming_content).decode("utf-8-sig")


def test_an_unknown_living_situation_is_still_refused(jiangcheng):
    got = api_client(jiangcheng).post("/api/v1/people/", content_type="application/json", data=json.dumps(
        {"id_number": make_id(seq="303"), "name": "林亚妹", "division_code": "441702001001", "living_situation": "火星"}))
    assert got.status_code == 400 and "living_situation" in got.json()["error"]["details"]


def test_a_built_in_value_cannot_be_deleted_changed_or_disabled(city_admin):
    alone = DictionaryItem.objects.get(dictionary="living_situation", code="alone")
    with pytest.raises(Conflict):
        dictionaries.item_delete(by=city_admin, item=alone)
    with pytest.raises(Conflict):
        dictionaries.item_update(by=city_admin, item=alone, label="独自居住", active=False)
    client = page_client(city_admin)
    assert client.post(f"/dictionaries/item/{alone.pk}/delete/", {"confirm": "1"}).status_code == 302
    client.post(f"/dictionaries/item/{alone.pk}/", {"label": "独自居住", "sort_order": "1"})
    alone.refresh_from_db()
    assert alone.label == "独居" and alone.active
    page = client.get("/dictionaries/living_situation/").content.decode()
    assert 'data-testid="edit-alone"' not in page and "受保护" in page


def test_a_new_value_in_use_is_disabled_not_deleted_and_stays_readable(city_admin, jiangcheng, new_person):
    add_via_console(city_admin)
    item = DictionaryItem.objects.get(label="与孙辈同住")
    person = new_person(living_situation=item.code)
    with pytest.raises(Conflict):
        dictionaries.item_delete(by=city_admin, item=item)
    dictionaries.item_update(by=city_admin, item=item, label="与孙辈同住", sort_order=75, active=False)
    form = page_client(jiangcheng).get("/people/new/").content.decode()
    assert f'value="{item.code}"' not in form
    assert person.get_living_situation_display() == "与孙辈同住"


def test_a_countys_own_value_is_offered_and_accepted_only_in_that_county(jiangcheng, yangxi):
    response = add_via_console(jiangcheng, label="渔船留守", division="441702")
    assert response.status_code == 302, response.content.decode()[:3000]
    item = DictionaryItem.objects.get(label="渔船留守")
    assert item.division_code == "441702"
    assert "渔船留守" in page_client(jiangcheng).get("/people/new/").content.decode()
    assert "渔船留守" not in page_client(yangxi).get("/people/new/").content.decode()
    assert "渔船留守" not in page_client(yangxi).get("/dictionaries/living_situation/").content.decode()
    # the import of a 阳西 roster refuses it, 江城's accepts it
    bad = run_job(import_create(by=yangxi, filename="r.csv", all_or_nothing=False,
                                content=roster(["何二", make_id(region="441721", seq="304"), "441721100005", "渔船留守", ""])).pk)
    assert bad.created_people == 0 and "不是有效的居住状况" in bad.errors.get().reason
    good = run_job(import_create(by=jiangcheng, filename="r.csv", all_or_nothing=False,
                                 content=roster(["陈秀英", make_id(seq="305"), "441702001001", "渔船留守", ""])).pk)
    assert good.created_people == 1


def test_county_staff_add_only_their_countys_values(jiangcheng):
    assert add_via_console(jiangcheng, label="全市的", division="").status_code == 200
    with pytest.raises(Forbidden):
        dictionaries.item_create(by=jiangcheng, dictionary="living_situation", label="阳西的", division_code="441721")
    assert not DictionaryItem.objects.filter(label__in=["全市的", "阳西的"]).exists()


def test_other_roles_have_no_dictionary_pages(divisions):
    township = make_user(Role.TOWNSHIP_STAFF, "441702001", username="t9")
    assert page_client(township).get("/dictionaries/").status_code == 403


def test_every_change_is_audited_with_before_and_after(city_admin):
    add_via_console(city_admin)
    item = DictionaryItem.objects.get(label="与孙辈同住")
    client = page_client(city_admin)
    client.post(f"/dictionaries/item/{item.pk}/", {"label": "与孙子女同住", "label_en": "", "sort_order": "75", "active": ""})
    client.post(f"/dictionaries/item/{item.pk}/delete/", {"confirm": "1"})
    lines = list(AuditEntry.objects.filter(object_type="core.dictionaryitem", object_id=str(item.pk)).order_by("id"))
    assert [e.action for e in lines] == ["create", "update", "delete"]
    assert lines[1].changes["label"] == ["与孙辈同住", "与孙子女同住"] and lines[1].changes["active"] == [True, False]
    assert all(e.actor_username == "city" for e in lines)
    assert not DictionaryItem.objects.filter(pk=item.pk).exists()


def test_a_new_category_is_accepted_but_built_in_codes_keep_their_meaning(city_admin, jiangcheng):
    item = dictionaries.item_create(by=city_admin, dictionary="person_category", label="独生子女父母")
    job = run_job(import_create(by=jiangcheng, filename="r.csv", all_or_nothing=False,
                                content=roster(["陈秀英", make_id(seq="306"), "441702001001", "独居", "独生子女父母、低保"])).pk)
    assert job.created_people == 1, list(job.errors.values_list("reason", flat=True))
    person = Person.objects.get(id_last4=make_id(seq="306")[-4:])
    assert set(person.categories.values_list("category", flat=True)) == {item.code, "dibao"}
    tekun = DictionaryItem.objects.get(dictionary="person_category", code="tekun")
    with pytest.raises(Conflict):
        dictionaries.item_update(by=city_admin, item=tekun, label="别的意思")


def test_a_new_label_cannot_repeat_one_in_use(city_admin):
    response = add_via_console(city_admin, label="独居")
    assert response.status_code == 200 and "已在本字典中使用" in response.content.decode()


def test_contact_relation_is_free_text_with_the_dictionary_as_suggestions(city_admin, jiangcheng):
    dictionaries.item_create(by=city_admin, dictionary="contact_relation", label="干女儿")
    form = page_client(jiangcheng).get("/people/new/").content.decode()
    assert 'list="dl-contact_relation-contact_relation"' in form
    assert '<option value="干女儿">' in form and '<option value="其他">' in form


def test_an_account_without_a_jurisdiction_is_offered_city_wide_values_only(jiangcheng):
    from yanglao.core.models import Organisation

    dictionaries.item_create(by=jiangcheng, dictionary="living_situation", label="渔船留守", division_code="441702")
    org = Organisation.objects.create(name="福利中心运营公司", kind="institution", division_code="441702001001")
    operator = make_user(Role.INSTITUTION_OPERATOR, "", organisation=org, username="op1")
    offered = dict(dictionaries.dictionary_choices("living_situation", operator))
    assert "独居" in offered.values() and "渔船留守" not in offered.values()
    assert "渔船留守" in dict(dictionaries.dictionary_choices("living_situation", jiangcheng)).values()
