"""Every registry search kind reads an index on what it searches, never the primary key backwards hoping to
meet matches (issue 22), for a county, a township and a city user. Asserted on PostgreSQL's own plan
(EXPLAIN (FORMAT JSON)) after loading 20,000 synthetic people and ANALYZE, so the planner decides on real
statistics: at this size it already chooses the backward primary-key walk for the old query form
(newest first by id, see the last test) — the walk that took 2.4 s for a rare name at 4,000,000 people
when its row estimate was wrong. The new forms read their rows in the order of the index they use
(selectors.NAME_ORDER, DIVISION_ORDER), so no row estimate can turn them into a walk of the registry.

A future migration that drops or changes person_name_order / person_division_order, or a search that
goes back to ordering by id, fails here.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection

from yanglao.core.crypto import decrypt
from yanglao.core.pagination import fast_count
from yanglao.core.roles import Role
from yanglao.core.testing import make_user
from yanglao.people import selectors
from yanglao.people.models import Person
from yanglao.people.seeding import seed_people

pytestmark = pytest.mark.django_db

PEOPLE = 20_000
TOWNSHIP = "441702001"
NAME_KINDS = ("name", "name_prefix", "surname", "rare_name", "name_age")
# a category: its holders in the area, in the page's order, from category_scope (selectors.CATEGORY_ORDER)
CATEGORY_INDEXES = {"category_scope"}
EXPECTED = {  # the index on the searched column (either, where two serve it)
    "name": {"person_name_order"}, "name_prefix": {"person_name_order"}, "surname": {"person_name_order"},
    "rare_name": {"person_name_order"}, "name_age": {"person_name_order"},
    "id_number": {"person_one_record_per_id_number"}, "phone": {"person_phone_hash"},
    "last4_name": {"person_last4_name"}, "community": {"person_division_order"},
    "category": CATEGORY_INDEXES, "age_band": {"person_birth_order"},
    "status": {"person_status_order", "person_division_order"}, "list": {"person_division_order"},
    "community_category": CATEGORY_INDEXES,
}
CATEGORY_KINDS = ("category", "community_category")


@pytest.fixture
def registry(divisions: None, is_postgres: bool) -> dict[str, Any]:
    if not is_postgres:
        pytest.skip("query plans are PostgreSQL's")
    seed_people(PEOPLE, seed=22, today=dt.date(2026, 11, 29))
    with connection.cursor() as cur:
        cur.execute("ANALYZE people_person")
        cur.execute("ANALYZE people_personcategory")
    person = (Person.objects.filter(division_code__startswith=TOWNSHIP, status="active").exclude(phone_hash="")
              .order_by("pk").first())
    assert person is not None
    rare = (Person.objects.values_list("name", flat=True).order_by("name").distinct()
            .exclude(name__startswith=person.name[0])[:1].get())
    id_number = decrypt(person.id_number_enc)
    return {
        "list": {},
        "name": {"q": person.name}, "name_prefix": {"q": person.name[:2]}, "surname": {"q": person.name[:1]},
        "rare_name": {"q": rare}, "name_age": {"q": person.name[:2], "age_band": "80-89", "status": "active"},
        "id_number": {"q": id_number}, "phone": {"q": decrypt(person.phone_enc)},
        "last4_name": {"q": id_number[-4:] + person.name},
        "community": {"division": person.division_code}, "category": {"category": "economic_hardship"},
        "age_band": {"age_band": "90-99"}, "status": {"status": "deceased"},
        "community_category": {"division": person.division_code, "category": "dibao"},
    }


def users() -> dict[str, Any]:
    return {"county": make_user(Role.COUNTY_STAFF, "441702"), "township": make_user(Role.TOWNSHIP_STAFF, TOWNSHIP),
            "city": make_user(Role.CITY_ADMIN, "4417")}


def plan_of(qs: Any) -> dict[str, Any]:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cur.fetchone()[0]
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    out = [plan]
    for child in plan.get("Plans", []):
        out += nodes(child)
    return out


def problems(plan: dict[str, Any], expected: set[str]) -> list[str]:
    found: list[str] = []
    used = {n.get("Index Name") for n in nodes(plan)}
    for n in nodes(plan):
        if n.get("Index Name") == "people_person_pkey" and not n.get("Index Cond"):
            found.append(f"walks the primary key ({n.get('Scan Direction')}) hoping to meet matches")
        if n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "people_person":
            found.append("reads the whole registry (sequential scan)")
    if not used & expected:
        found.append(f"uses none of {sorted(expected)} (uses {sorted(i for i in used if i)})")
    if expected == CATEGORY_INDEXES:  # read in the page's order: no sort of the holders in the area (a
        # handful, which the planner may rightly sort, aside)
        found += [f"sorts its holders ({n['Plan Rows']} expected)" for n in nodes(plan)
                  if n["Node Type"] in ("Sort", "Incremental Sort") and n["Plan Rows"] > 40]
        found += [f"category_scope without the category as its start ({n.get('Index Cond')})" for n in nodes(plan)
                  if n.get("Index Name") == "category_scope" and "category" not in (n.get("Index Cond") or "")]
    return found


def first_page(user: Any, filters: dict[str, Any]) -> Any:
    return selectors.order_search(selectors.search_people(user, filters), filters)[:21]


def test_every_search_kind_reads_an_index_on_what_it_searches_at_every_level(registry):
    failures = []
    for level, user in users().items():
        for kind, filters in registry.items():
            plan = plan_of(first_page(user, filters))
            failures += [f"{level} {kind}: {p}" for p in problems(plan, EXPECTED[kind])]
    assert not failures, "\n".join(failures)


def test_the_next_page_of_a_name_search_starts_inside_the_index(registry):
    user = users()["county"]
    filters = registry["surname"]
    first = selectors.search_page(user, filters)
    assert len(first.rows) == 20 and first.next_after
    cursor = Person.objects.filter(pk=first.next_after).values_list(*selectors.NAME_ORDER.fields).get()
    qs = selectors.NAME_ORDER.after(selectors.search_people(user, filters), cursor)
    plan = plan_of(selectors.order_search(qs, filters)[:21])
    assert not problems(plan, {"person_name_order"})
    starts = [n for n in nodes(plan) if n.get("Index Name") == "person_name_order"]
    assert any("ROW" in (n.get("Index Cond") or "") for n in starts), "the page should start at the cursor in the index"
    second = selectors.search_page(user, filters, after=first.next_after)
    assert not {p.pk for p in first.rows} & {p.pk for p in second.rows}
    keys = [(p.name.encode(), p.division_code, p.pk) for p in first.rows + second.rows]
    assert keys == sorted(keys)  # one order across pages: name (bytes), community, record


def test_the_total_of_a_large_result_is_the_planners_estimate_without_reading_rows(registry):
    user = users()["city"]
    qs = selectors.search_people(user, registry["list"])
    count, approximate = fast_count(qs, exact_limit=5_000)
    assert approximate and abs(count - PEOPLE) < PEOPLE * 0.1  # 约 20,000: from the statistics
    small = selectors.search_people(user, registry["name"])
    assert fast_count(small, exact_limit=5_000) == (small.count(), False)


def test_the_next_page_of_a_category_search_starts_inside_the_category_index(registry):
    for level, user in users().items():
        for kind in CATEGORY_KINDS:
            filters = registry[kind]
            first = selectors.search_page(user, filters, size=3)
            if not first.next_after:
                continue
            qs = selectors.search_people(user, filters)
            cursor = qs.filter(pk=first.next_after).values_list(*selectors.CATEGORY_ORDER.fields).get()
            plan = plan_of(selectors.order_search(selectors.CATEGORY_ORDER.after(qs, cursor), filters)[:21])
            assert not problems(plan, CATEGORY_INDEXES), f"{level} {kind}"
            starts = [n.get("Index Cond") or "" for n in nodes(plan) if n.get("Index Name") == "category_scope"]
            assert any(">=" in cond and cursor[0] in cond for cond in starts), f"{level} {kind}: {starts}"
            second = selectors.search_page(user, filters, after=first.next_after, size=3)
            assert not {p.pk for p in first.rows} & {p.pk for p in second.rows}
            keys = [(p.division_code, p.pk) for p in first.rows + second.rows]
            assert keys == sorted(keys), f"{level} {kind}"


def test_the_old_newest_first_form_walks_the_primary_key_so_these_plans_are_meaningful(registry):
    """The query before issue 22 (ORDER BY id DESC LIMIT 21) on the same data and statistics: the planner
    walks the primary key backwards for the dense kinds — exactly what the test above forbids, so it
    would have failed before the fix."""
    user = users()["county"]
    walked = []
    for kind in ("surname", "status", "list"):
        plan = plan_of(selectors.search_people(user, registry[kind]).order_by("-pk")[:21])
        if any("walks the primary key" in p for p in problems(plan, EXPECTED[kind])):
            walked.append(kind)
    assert walked, "the old form no longer walks the primary key at this size: raise PEOPLE so the plans mean something"


@pytest.mark.django_db(transaction=True)  # VACUUM, as autovacuum leaves a registry after a bulk load
def test_a_name_with_an_age_band_and_a_status_checks_them_in_the_name_index_without_the_heap(registry):
    """The written-out first page of a name prefix + age band + status takes the page's ids by an index-only
    scan of person_name_order, which carries birth_date and status (people.0014): the people of a common
    prefix outside the band or the status are passed over in the index, not fetched one heap page each.
    A migration that rebuilt the index without them, or a page query reading another column, fails here."""
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE people_person")  # the visibility map an index-only scan relies on
    for level, user in users().items():
        with CaptureQueriesContext(connection) as queries:
            rows = selectors._written_first_page(user, registry["name_age"], selectors.NAME_ORDER, 21)
        assert rows, level
        with connection.cursor() as cur:
            cur.execute(f"EXPLAIN (FORMAT JSON) {queries.captured_queries[-1]['sql']}")
            plan = cur.fetchone()[0]
        plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
        scans = {(n["Node Type"], n.get("Index Name")) for n in nodes(plan) if n.get("Relation Name") == "people_person"}
        assert ("Index Only Scan", "person_name_order") in scans, (level, scans)
        assert not problems(plan, EXPECTED["name_age"]), level
