"""Registry pages, duplicates and merge, demo data."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from yanglao.core.audit import history_for
from yanglao.core.idnumber import parse_id_number
from yanglao.core.roles import Role
from yanglao.core.testing import assert_jurisdiction_scoped, make_user, page_client
from yanglao.people import selectors, services
from yanglao.people.models import Person, PersonCategory

from .conftest import make_id

pytestmark = pytest.mark.django_db


def test_list_and_record_pages_are_scoped(new_person):
    person = new_person(name="冼秀珍")
    assert_jurisdiction_scoped(division_code=person.division_code, list_url="/people/",
                               detail_url=f"/people/{person.pk}/", marker="冼秀珍", api=False)


def test_list_pages_by_keyset_without_counting(jiangcheng, new_person):
    for _ in range(25):
        new_person()
    client = page_client(jiangcheng)
    first = client.get("/people/")
    assert first.context["page"].next_after is not None and len(first.context["page"].rows) == 20
    second = client.get(f"/people/?after={first.context['page'].next_after}")
    assert len(second.context["page"].rows) == 5
    assert not {p.pk for p in first.context["page"].rows} & {p.pk for p in second.context["page"].rows}


def test_record_page_shows_categories_contacts_history_and_masked_id(jiangcheng, new_person):
    person = new_person(categories=[{"category": "dibao", "valid_from": "2025-03-01"}],
                        contacts=[{"kind": "guardian", "name": "陈大文", "relation": "儿子", "phone": "13900001111"}])
    services.person_update(by=jiangcheng, person=person, data={"address": "新址5号"})
    page = page_client(jiangcheng).get(f"/people/{person.pk}/").content.decode()
    assert "低保" in page and "陈大文" in page and "139******11" in page
    assert "新址5号" in page and "北门路1号" in page  # history shows before and after
    assert make_id(seq="101") not in page and person.id_number_masked in page


def test_reveal_in_the_console_shows_full_values_and_is_audited(jiangcheng, new_person):
    person = new_person()
    got = page_client(jiangcheng).post(f"/people/{person.pk}/reveal/", {"reason": "核实"})
    assert make_id(seq="101") in got.content.decode()
    assert history_for(person).filter(action="reveal").count() == 1


def test_new_person_form_shows_field_errors(jiangcheng):
    got = page_client(jiangcheng).post("/people/new/", {"name": "张三", "id_number": "441702195001011230",
                                                        "division_code": "441702001001", "living_situation": "alone"})
    assert got.status_code == 200 and "校验位错误" in got.content.decode()
    assert not Person.objects.exists()


def test_new_person_form_registers(jiangcheng):
    got = page_client(jiangcheng).post("/people/new/", {"name": "张三", "id_number": make_id(),
                                                        "division_code": "441702001001", "living_situation": "alone",
                                                        "categories": ["tekun"]})
    person = Person.objects.get()
    assert got.url == f"/people/{person.pk}/"
    assert person.categories.get().category == "tekun"


def test_likely_duplicates_by_name_birth_township_and_phone(jiangcheng, new_person):
    a = new_person(name="梁亚妹", id_number=make_id(birth="19400505", seq="112"), phone="13811112222")
    b = new_person(name="梁亚妹", id_number=make_id(region="441781", birth="19400505", seq="114"),
                   division_code="441702001002")
    c = new_person(name="何二", phone="13811112222")
    groups = selectors.likely_duplicates(jiangcheng)
    found = [{p.pk for p in g["people"]} for g in groups]
    assert {a.pk, b.pk} in found and {a.pk, c.pk} in found


def test_merge_moves_categories_and_keeps_both_histories(jiangcheng, new_person):
    keep = new_person(name="梁亚妹")
    other = new_person(name="梁亚妹", categories=[{"category": "veteran", "valid_from": "2020-01-01"}])
    services.person_merge(by=make_user(Role.COUNTY_STAFF, "441702"), keep=keep, merge=other)
    other.refresh_from_db()
    assert other.status == "merged" and other.merged_into_id == keep.pk
    assert PersonCategory.objects.get(category="veteran").person_id == keep.pk
    assert history_for(other).exists() and history_for(keep).filter(changes__has_key="merged_from").exists()
    page = page_client(jiangcheng).get(f"/people/{keep.pk}/").content.decode()
    assert "合并自档案" in page


def test_community_workers_cannot_merge(new_person, divisions):
    a, b = new_person(), new_person()
    worker = make_user(Role.COMMUNITY_WORKER, "441702001001")
    got = page_client(worker).post("/people/merge/", {"keep": a.pk, "merge": b.pk})
    assert got.status_code == 403


def test_seed_demo_is_realistic_deterministic_and_idempotent(divisions):
    out = io.StringIO()
    call_command("seed_demo", "--people", "2000", "--seed", "7", stdout=out)
    call_command("seed_demo", "--people", "2000", "--seed", "7", stdout=out)
    assert Person.objects.count() == 2000 and "未重复生成" in out.getvalue()
    today = dt.date.today()
    for p in Person.objects.all()[:300]:
        from yanglao.core import crypto

        parsed = parse_id_number(crypto.decrypt(p.id_number_enc))
        assert parsed.birth_date == p.birth_date and parsed.sex == p.sex
        assert 60 <= p.age_on(today) <= 105
        assert p.division_code.startswith("4417") and len(p.division_code) == 12
    assert PersonCategory.objects.filter(category="dibao").count() > 20
    names = list(Person.objects.order_by("pk").values_list("name", flat=True)[:5])
    Person.objects.all().delete()
    call_command("seed_demo", "--people", "5", "--seed", "7", stdout=out)
    assert list(Person.objects.order_by("pk").values_list("name", flat=True)) == names


def test_division_browser_counts_people(city_admin, new_person):
    new_person()
    new_person(division_code="441702002001")
    page = page_client(city_admin).get("/divisions/441702/").content.decode()
    assert "在册老年人" in page
    from yanglao.people.selectors import count_by_division

    assert count_by_division(["441702001", "441702002"], city_admin) == {"441702001": 1, "441702002": 1}


def test_edit_page_changes_fields_and_records_history(jiangcheng, new_person):
    person = new_person()
    client = page_client(jiangcheng)
    got = client.post(f"/people/{person.pk}/edit/", {
        "name": "陈秀英", "division_code": "441702001001", "address": "新地址8号", "living_situation": "with_children",
        "status": "active", "consent_at": "2026-11-01", "consent_by": "本人", "consent_document": "同意书001"})
    assert got.status_code == 302
    person.refresh_from_db()
    assert person.address == "新地址8号" and person.consent_by == "本人" and person.phone_masked  # phone kept
    assert history_for(person).filter(action="update", changes__has_key="address").exists()


def test_edit_page_refuses_a_death_without_a_date(jiangcheng, new_person):
    person = new_person()
    got = page_client(jiangcheng).post(f"/people/{person.pk}/edit/", {
        "name": "陈秀英", "division_code": "441702001001", "living_situation": "alone", "status": "deceased"})
    assert got.status_code == 200 and "须填写日期" in got.content.decode()
    person.refresh_from_db()
    assert person.status == "active"


def test_categories_and_contacts_are_added_and_ended_on_the_record(jiangcheng, new_person):
    person = new_person()
    client = page_client(jiangcheng)
    client.post(f"/people/{person.pk}/categories/", {"category": "severe_disability", "valid_from": "2025-01-01"})
    assert not person.categories.exists()  # grade missing
    client.post(f"/people/{person.pk}/categories/", {"category": "severe_disability", "valid_from": "2025-01-01",
                                                     "disability_grade": "2", "document_no": "残证123"})
    category = person.categories.get()
    assert category.disability_grade == 2
    client.post(f"/people/{person.pk}/categories/{category.pk}/end/", {"valid_to": "2026-06-30"})
    category.refresh_from_db()
    assert category.valid_to.isoformat() == "2026-06-30"
    client.post(f"/people/{person.pk}/contacts/", {"kind": "guardian", "name": "陈大文", "relation": "儿子",
                                                   "phone": "13900002222"})
    assert person.contacts.get().phone_masked == "139******22"


def test_edit_page_of_another_county_is_not_found(new_person, divisions):
    person = new_person()
    yangxi = make_user(Role.COUNTY_STAFF, "441721")
    assert page_client(yangxi).get(f"/people/{person.pk}/edit/").status_code == 404


def test_workbench_shows_the_jurisdictions_figures(jiangcheng, new_person, divisions):
    new_person()
    new_person(id_number=make_id(birth="19400101", seq="777"))
    page = page_client(jiangcheng).get("/")
    cards = {c["key"]: c["value"] for c in page.context["cards"]}
    assert cards["people"] == "2" and cards["people_80"] == "1"
    other = page_client(make_user(Role.COUNTY_STAFF, "441721")).get("/")
    assert {c["key"]: c["value"] for c in other.context["cards"]}["people"] == "0"


def test_history_of_a_merged_record_shows_only_its_own_records(jiangcheng, new_person, divisions):
    """Ids of different record types must not be mixed: a category id is not a person id."""
    yangxi = make_user(Role.COUNTY_STAFF, "441721")
    stranger = new_person(by=yangxi, name="外县人", division_code="441721100005")
    keep = new_person(name="梁亚妹")
    other = new_person(name="梁亚妹", categories=[{"category": "veteran", "valid_from": "2020-01-01"}])
    services.person_merge(by=make_user(Role.COUNTY_STAFF, "441702"), keep=keep, merge=other)
    page = page_client(jiangcheng).get(f"/people/{keep.pk}/").content.decode()
    assert "外县人" not in page and stranger.id_number_masked not in page
    assert "退役军人" in page  # the moved category's history is there


def test_moving_a_person_moves_every_copy_of_their_division(city_admin, jiangcheng, new_person, divisions):
    from yanglao.core.models import AuditEntry

    person = new_person(categories=[{"category": "dibao", "valid_from": "2024-01-01"}])
    services.person_update(by=city_admin, person=person, data={"division_code": "441721100005"})
    assert person.categories.get().division_code == "441721100005"
    assert AuditEntry.objects.filter(action="bulk", extra__operation="person_moved").exists()
    assert page_client(jiangcheng).get(f"/people/{person.pk}/").status_code == 404
