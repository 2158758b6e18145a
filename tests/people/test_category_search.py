"""The category filter reads its page from the category rows (issue 22): the holders in the user's area,
in community order, from category_scope — and finds exactly the people it found before: the holders of a
category valid on the day, in scope, one row each, merged records left out, across every page.

The category rows carry the person's community (division_code), which is what the search ranges over:
every writer of categories keeps it equal to the person's (add, API create, import, move, merge; the
benefits lists in tests/benefits/test_audit_bad_input.py).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.people.conftest import make_id
from yanglao.core.pagination import fast_count
from yanglao.core.roles import Role
from yanglao.core.testing import make_user
from yanglao.people import selectors, services
from yanglao.people.importing import import_create, run_job
from yanglao.people.models import Person, PersonCategory
from yanglao.people.seeding import seed_people
from yanglao.people.validation import CategoryInput

pytestmark = pytest.mark.django_db

TOWNSHIP = "441702001"


def reference(user: Any, category: str, *, division: str = "", status: str = "") -> list[int]:
    """What the category filter means, computed in Python from every row: people in the user's scope (and
    the division filter) holding `category` on the day, merged records left out unless asked for, in
    community order (bytes), then record."""
    today = timezone.localdate()
    holders = {c.person_id for c in PersonCategory.objects.filter(category=category) if c.valid_on(today)}
    people = [p for p in Person.objects.filter(pk__in=holders)
              if p.division_code.startswith(user.scope_prefix or "") and p.division_code.startswith(division)
              and (p.status == status if status else p.status != "merged")]
    return [p.pk for p in sorted(people, key=lambda p: (p.division_code.encode(), p.pk))]


def every_page(user: Any, filters: dict[str, Any], size: int = 7) -> list[int]:
    """search_page after search_page until the last: the ids in the order the pages show them."""
    seen: list[int] = []
    after = None
    while True:
        page = selectors.search_page(user, filters, after=after, size=size)
        seen += [p.pk for p in page.rows]
        if not page.next_after:
            return seen
        after = page.next_after


@pytest.fixture
def registry(divisions: None) -> dict[str, Any]:
    """1,500 synthetic people and their categories, plus the awkward cases: a category held by two
    overlapping rows, one ended yesterday, one starting tomorrow, a merged record still holding one."""
    today = timezone.localdate()
    seed_people(1_500, seed=7, today=today)
    people = list(Person.objects.filter(division_code__startswith=TOWNSHIP, status="active").order_by("pk")[:4])
    twice, ended, future, merged = people

    def add(person: Person, since: dt.date, until: dt.date | None = None) -> None:
        PersonCategory.objects.filter(person=person, category="tekun").delete()
        PersonCategory.objects.create(person=person, category="tekun", valid_from=since, valid_to=until,
                                      division_code=person.division_code)

    add(twice, today - dt.timedelta(days=400))
    PersonCategory.objects.create(person=twice, category="tekun", valid_from=today - dt.timedelta(days=30),
                                  division_code=twice.division_code)  # overlapping: still one result
    add(ended, today - dt.timedelta(days=400), today - dt.timedelta(days=1))
    add(future, today + dt.timedelta(days=1))
    add(merged, today - dt.timedelta(days=10))
    Person.objects.filter(pk=merged.pk).update(status="merged", status_date=today, merged_into=twice)
    return {"twice": twice, "ended": ended, "future": future, "merged": merged}


def users() -> dict[str, Any]:
    return {"county": make_user(Role.COUNTY_STAFF, "441702"), "township": make_user(Role.TOWNSHIP_STAFF, TOWNSHIP),
            "city": make_user(Role.CITY_ADMIN, "4417"), "yangxi": make_user(Role.COUNTY_STAFF, "441721")}


def test_a_category_search_finds_exactly_its_holders_on_the_day_in_community_order_on_every_page(registry):
    checked = 0
    for level, user in users().items():
        for category in ("tekun", "dibao", "economic_hardship", "family_planning_special"):
            for extra in ({}, {"division": TOWNSHIP}, {"status": "deceased"}, {"status": "merged"}):
                filters = {"category": category, **extra}
                expected = reference(user, category, division=extra.get("division", ""), status=extra.get("status", ""))
                got = every_page(user, filters)
                assert got == expected, f"{level} {filters}"
                assert fast_count(selectors.search_people(user, filters)) == (len(expected), False)
                checked += len(expected)
    assert checked > 200  # the sample is not empty
    city = users()["city"]
    tekun = every_page(city, {"category": "tekun"})
    assert tekun.count(registry["twice"].pk) == 1  # two valid rows: one result
    assert not {registry["ended"].pk, registry["future"].pk, registry["merged"].pk} & set(tekun)


def test_a_category_search_never_shows_people_outside_the_users_scope(registry):
    township = users()["township"]
    found = every_page(township, {"category": "dibao"})
    assert found
    assert all(p.division_code.startswith(TOWNSHIP) for p in Person.objects.filter(pk__in=found))
    yangxi = users()["yangxi"]
    assert not set(found) & set(every_page(yangxi, {"category": "dibao"}))
    assert not every_page(yangxi, {"category": "dibao", "division": TOWNSHIP})  # a filter outside: nothing


def test_the_database_keeps_a_category_rows_community_equal_to_its_persons(registry, is_postgres):
    """The search checks the jurisdiction on the category rows (PostgreSQL): a row in another community
    than its person's cannot be written, and a person moved by any UPDATE takes their rows along."""
    if not is_postgres:
        pytest.skip("the foreign key (person_id, division_code) is PostgreSQL's (people.0011)")
    holder = Person.objects.filter(division_code__startswith=TOWNSHIP, categories__category="dibao").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonCategory.objects.filter(person=holder).update(division_code="441721100005")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonCategory.objects.create(person=holder, category="veteran", valid_from=dt.date(2020, 1, 1),
                                      division_code="441721100005")
    Person.objects.filter(pk=holder.pk).update(division_code="441721100005")  # no service: still in step
    assert in_step(holder)
    assert holder.pk not in every_page(users()["township"], {"category": "dibao"})
    assert holder.pk in every_page(users()["yangxi"], {"category": "dibao"})


def test_the_api_list_filtered_by_category_is_the_same_list_in_the_same_order(registry, client):
    county = users()["county"]
    client.force_login(county)
    got = client.get("/api/v1/people/", {"category": "tekun", "page_size": 200})
    assert got.status_code == 200
    assert [r["id"] for r in got.json()["results"]] == reference(county, "tekun")[:200]


def test_with_a_name_or_an_age_the_category_is_checked_on_those_rows(registry):
    county = users()["county"]
    person = Person.objects.filter(categories__category="dibao", division_code__startswith="441702",
                                   status="active").first()
    by_name = {p.pk for p in selectors.search_people(county, {"q": person.name, "category": "dibao"})}
    assert person.pk in by_name
    assert by_name == {pk for pk in reference(county, "dibao")
                       if Person.objects.get(pk=pk).name.startswith(person.name)}
    old = selectors.search_people(county, {"category": "dibao", "age_min": 80})
    assert {p.pk for p in old} == {pk for pk in reference(county, "dibao")
                                   if Person.objects.get(pk=pk).age_on(timezone.localdate()) >= 80}


# --- every writer keeps the category rows' community equal to the person's --------------------------------

def in_step(person: Person) -> bool:
    person.refresh_from_db()
    codes = set(PersonCategory.objects.filter(person=person).values_list("division_code", flat=True))
    return codes == {person.division_code}


def found_by_category(user: Any, person: Person, category: str) -> bool:
    return person.pk in every_page(user, {"category": category, "division": person.division_code}, size=20)


def test_adding_a_category_records_the_persons_community(jiangcheng, new_person):
    person = new_person(division_code="441702002001")
    services.category_add(by=jiangcheng, person=person,
                          item=CategoryInput(category="dibao", valid_from=dt.date(2025, 1, 1)))
    assert in_step(person) and found_by_category(jiangcheng, person, "dibao")


def test_ending_a_category_takes_the_person_out_of_the_category_search(jiangcheng, new_person):
    person = new_person(categories=[{"category": "tekun", "valid_from": "2024-01-01"}])
    assert found_by_category(jiangcheng, person, "tekun")
    services.category_end(by=jiangcheng, category=person.categories.get(),
                          on=timezone.localdate() - dt.timedelta(days=1))
    assert not found_by_category(jiangcheng, person, "tekun")


def test_the_api_creates_categories_in_the_persons_community_and_moves_them_with_the_person(api, jiangcheng):
    data = {"id_number": make_id(seq="731"), "name": "梁桂英", "division_code": "441702001002", "living_situation": "alone",
            "categories": [{"category": "tekun", "valid_from": "2024-05-01"}]}
    created = api.post("/api/v1/people/", data=json.dumps(data), content_type="application/json")
    assert created.status_code == 201, created.content
    person = Person.objects.get(pk=created.json()["id"])
    assert in_step(person) and found_by_category(jiangcheng, person, "tekun")
    moved = api.patch(f"/api/v1/people/{person.pk}/", data=json.dumps({"division_code": "441702003001"}),
                      content_type="application/json")
    assert moved.status_code == 200, moved.content
    assert in_step(person) and person.division_code == "441702003001"
    assert found_by_category(jiangcheng, person, "tekun")
    assert person.pk not in every_page(jiangcheng, {"category": "tekun", "division": "441702001002"})


def test_an_import_writes_categories_in_each_persons_community(jiangcheng):
    header = "姓名,身份证号码,联系电话,居住社区代码,居住地址,居住状况,人员类别,类别起始日期,残疾等级,紧急联系人,紧急联系人电话"
    rows = [header, f"陈秀英,{make_id(seq='741')},,441702001001,,独居,低保、特困,2024/1/1,,,",
            f"黄伯,{make_id(seq='742')},,441702002003,,空巢,低保,2024/1/1,,,"]
    job = run_job(import_create(by=jiangcheng, filename="登记表.csv", content="\n".join(rows).encode("gb18030"),
                                   all_or_nothing=False).pk)
    assert job.created_people == 2, job.message
    for person in Person.objects.filter(name__in=["陈秀英", "黄伯"]):
        assert in_step(person) and found_by_category(jiangcheng, person, "dibao")


def test_a_merge_moves_categories_into_the_kept_persons_community(jiangcheng, new_person):
    keep = new_person(name="吴三", division_code="441702001001")
    merge = new_person(name="吴三", division_code="441702002001",
                       categories=[{"category": "veteran", "valid_from": "2020-01-01"}])
    services.person_merge(by=jiangcheng, keep=keep, merge=merge)
    assert in_step(keep) and found_by_category(jiangcheng, keep, "veteran")
    assert merge.pk not in every_page(jiangcheng, {"category": "veteran"})


def test_the_first_category_page_written_out_is_the_orm_querys_first_page_row_for_row(registry, is_postgres):
    """search_page reads a category's first page through one written-out statement (Django took ≈ 3 ms to
    build the ORM's); it must be the same rows in the same order as the ORM query, for every level and
    filter, and a division filter's LIKE wildcards must stay literal as the ORM keeps them."""
    if not is_postgres:
        assert selectors._written_first_page(users()["city"], {"category": "tekun"}, selectors.CATEGORY_ORDER, 8) is None
        return
    compared = 0
    for level, user in users().items():
        for filters in ({"category": "tekun"}, {"category": "dibao", "division": TOWNSHIP},
                        {"category": "economic_hardship", "status": "deceased"},
                        {"category": "tekun", "status": "merged"},
                        {"category": "economic_hardship", "living_situation": "alone"},
                        {"category": "dibao", "division": "4417_"}, {"category": "dibao", "division": "4417%"}):
            written = selectors._written_first_page(user, filters, selectors.CATEGORY_ORDER, 8)
            orm = list(selectors.order_search(selectors.search_people(user, filters), filters)[:8])
            if written is None:  # a division filter outside the user's area: the ORM's path (which finds nothing)
                assert not filters.get("division", "").startswith(user.scope_prefix) and not orm, f"{level} {filters}"
                continue
            assert [p.pk for p in written] == [p.pk for p in orm], f"{level} {filters}"
            assert [p.name for p in written] == [p.name for p in orm]  # whole rows, not ids only
            compared += len(orm)
    assert compared > 30  # the sample is not empty
    assert selectors._written_first_page(users()["city"], {"category": "dibao", "division": "4417_"}, selectors.CATEGORY_ORDER, 8) == []



def test_every_search_kinds_first_page_written_out_is_the_orm_querys_row_for_row(registry, is_postgres, monkeypatch):
    """The first page of every search kind (not only the category's) is read by one written-out
    statement; for each kind, level and a spread of people it is the ORM query's first page exactly, and
    a full identifier passes the audit guard on either path."""
    from yanglao.core.crypto import decrypt

    if not is_postgres:
        return
    guarded: list[str] = []
    monkeypatch.setattr(selectors, "guard_identifier_search", lambda user, q, **kw: guarded.append(q))
    people = list(Person.objects.filter(division_code__startswith="441702").exclude(phone_hash="").order_by("pk")[:12])
    compared = 0
    for level, user in users().items():
        for i, person in enumerate(people):
            id_number = decrypt(person.id_number_enc)
            for filters in ({"q": person.name}, {"q": person.name[:2]}, {"q": person.name[:1]},
                            {"q": id_number}, {"q": id_number[-4:] + person.name}, {"q": decrypt(person.phone_enc)},
                            {"q": id_number[:-1] + ("0" if id_number[-1] != "0" else "1")},  # a wrong check digit
                            {"division": person.division_code}, {"age_band": ("60-69", "70-79", "80-89", "90-99")[i % 4]},
                            {"age_min": 75, "age_max": 82}, {"status": ("active", "deceased", "merged")[i % 3]},
                            {"q": person.name[:2], "age_band": "80-89", "status": "active"},
                            {"living_situation": "alone", "division": person.division_code[:9]},
                            {"q": "王_"}, {"q": "%"}):
                order = selectors.search_order(filters)
                written = selectors._written_first_page(user, filters, order, 8)
                orm = list(selectors.order_search(selectors.search_people(user, filters), filters)[:8])
                if written is None:  # a division filter outside the user's area: the ORM path
                    assert not filters["division"].startswith(user.scope_prefix) and not orm, f"{level} {filters}"
                    continue
                assert [p.pk for p in written] == [p.pk for p in orm], f"{level} {filters}"
                compared += len(orm)
                if filters.get("q") in (id_number, decrypt(person.phone_enc)):
                    assert guarded[-2:] == [filters["q"]] * 2, "both paths ask the guard"
    assert compared > 500  # the sample is not empty


def test_a_search_page_is_read_by_the_written_out_statement_and_the_next_pages_by_the_orm(registry, is_postgres):
    if not is_postgres:
        return
    county = users()["county"]
    for filters in ({"q": "李"}, {"age_band": "70-79"}, {"status": "active"}, {"category": "dibao"}):
        order = selectors.search_order(filters)
        everything = list(selectors.order_search(selectors.search_people(county, filters), filters))
        assert every_page(county, filters, size=5) == [p.pk for p in everything], filters
        assert selectors._written_first_page(county, filters, order, 5) is not None
