# ruff: noqa: F811 - pytest fixtures imported from other conftests are parameters here
"""Counts that stay fast at a million people (issue 17, load): the API list's total and the workbench's
figures are exact while few and the planner's estimate (约, ``count_exact: false``) beyond, always of the
caller's jurisdiction, and the workbench's statements do not multiply with the registry or its divisions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.people.conftest import new_person  # noqa: F401 - fixture
from yanglao.core import pagination
from yanglao.core.pagination import Estimate, fast_counts
from yanglao.core.selectors import workbench_cards
from yanglao.core.testing import api_client, page_client
from yanglao.core.todos import TODOS, _applies
from yanglao.people.models import Person
from yanglao.people.seeding import seed_people
from yanglao.people.selectors import count_by_division

pytestmark = pytest.mark.django_db


def _analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE people_person")


def test_the_api_counts_exactly_while_few(jiangcheng, new_person):
    for _ in range(3):
        new_person()
    body = api_client(jiangcheng).get("/api/v1/people/").json()
    assert (body["count"], body["count_exact"], body["next"], len(body["results"])) == (3, True, None, 3)


def test_beyond_the_limit_the_api_gives_an_estimate_and_still_walks_every_page(jiangcheng, yangxi, new_person,
                                                                                monkeypatch, is_postgres):
    for _ in range(25):
        new_person()
    seed_people(3, seed=4121, city="441721")  # 阳西县
    _analyze()
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 2)
    client = api_client(jiangcheng)
    first = client.get("/api/v1/people/?page_size=10").json()
    if not is_postgres:  # other databases always count exactly
        assert (first["count"], first["count_exact"]) == (25, True)
        return
    assert first["count_exact"] is False and 3 <= first["count"] < 28  # the county's estimate, not the city's
    seen, url, pages = [], "/api/v1/people/?page_size=10", 0
    while url:
        body = client.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3 and len(seen) == len(set(seen)) == 25  # by `next`, each of the county's people once
    assert client.get("/api/v1/people/?page_size=10&page=2").json()["previous"].endswith("page_size=10")
    assert client.get("/api/v1/people/?page_size=10&page=4").status_code == 404  # past the end, as before
    other = api_client(yangxi).get("/api/v1/people/").json()
    assert 3 <= other["count"] < 25 and len(other["results"]) == 3  # its own three, never the county of 25
    assert {r["division_code"][:6] for r in other["results"]} == {"441721"}


def test_fast_counts_are_exact_when_few_and_estimates_beyond_in_two_statements(jiangcheng, new_person, is_postgres):
    for _ in range(6):
        new_person()
    new_person(division_code="441702002001")
    _analyze()
    sets = [Person.objects.filter(division_code__startswith=c) for c in ("441702001", "441702002", "441702003")]
    with CaptureQueriesContext(connection) as exact:
        assert fast_counts(sets) == [6, 1, 0]
    with CaptureQueriesContext(connection) as estimated:
        counts = fast_counts(sets, exact_limit=3, verify=False)
    if is_postgres:
        assert len(exact) == len(estimated) == 2  # one EXPLAIN, one capped count, whatever the number of sets
        assert isinstance(counts[0], Estimate) and counts[0].approximate and counts[1:] == [1, 0]
    verified = fast_counts(sets, exact_limit=3)  # verify: the large one is read (up to 4 rows) before it is trusted
    assert verified[1:] == [1, 0] and verified[0] >= 4


def test_the_workbench_overview_shows_an_estimate_for_a_large_township_and_counts_a_small_one(
        jiangcheng, new_person, monkeypatch, is_postgres):
    seed_people(40, seed=4117, city="441702001")
    new_person(division_code="441702002001")
    _analyze()
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 5)
    counts = count_by_division(["441702001", "441702002", "441702003"], jiangcheng)
    active = Person.objects.filter(division_code__startswith="441702001", status="active").count()
    if is_postgres:
        assert getattr(counts["441702001"], "approximate", False) and counts["441702001"] > 5
        page = page_client(jiangcheng).get("/").content.decode()
        assert "约" in page
    else:
        assert counts["441702001"] == active
    assert counts["441702002"] == 1 and counts["441702003"] == 0
    # a county user never learns another county's people through a division outside its jurisdiction
    assert count_by_division(["441721100"], jiangcheng) == {"441721100": 0}


def test_the_workbench_issues_as_many_statements_at_any_registry_size(jiangcheng, monkeypatch):
    """The statements of one workbench are bounded by what is registered (one aggregate per to-do or card,
    two for the registry's figures, two for the overview) and do not grow with the people, the divisions
    holding them, or whether their counts are exact or estimated."""
    client = page_client(jiangcheng)
    client.get("/")  # sessions, caches: a first request of its own

    def statements() -> int:
        with CaptureQueriesContext(connection) as q:
            assert client.get("/").status_code == 200
        return len(q)

    seed_people(12, seed=4118, city="441702")
    _analyze()
    few = statements()
    seed_people(150, seed=4119, city="441702")
    _analyze()
    many = statements()
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 5)  # the same registry, every count now an estimate
    estimated = statements()
    assert few == many and estimated <= few  # an estimate above the limit skips the capped count
    todos = sum(1 for reg in TODOS.values() if _applies(jiangcheng, reg.capabilities, reg.roles))
    cards = len(workbench_cards(jiangcheng))
    assert few <= todos + 2 * cards + 16, (few, todos, cards)


def test_an_estimated_card_says_about(jiangcheng, monkeypatch, is_postgres):
    seed_people(30, seed=4120, city="441702")
    _analyze()
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 3)
    cards = {c["key"]: c["value"] for c in page_client(jiangcheng).get("/").context["cards"]}
    if is_postgres:
        assert cards["people"].startswith("约 ")
    else:
        assert cards["people"] == str(Person.objects.filter(status="active").count())


def test_estimates_from_a_parallel_plan_are_read_in_one_statement_and_counted_whole(jiangcheng, is_postgres):
    """On a large table the planner may answer the union of the divisions' queries with a parallel plan
    (Gather over a Parallel Append, each partial arm estimated per process): the estimates are still read
    from that one EXPLAIN and scaled back to whole counts, instead of one EXPLAIN per division."""
    if not is_postgres:
        pytest.skip("planner estimates are PostgreSQL's")
    seed_people(400, seed=4120, city="441702")
    _analyze()
    with connection.cursor() as cur:  # make any plan parallel, as a large registry does
        for setting in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size",
                        "min_parallel_index_scan_size"):
            cur.execute(f"SET LOCAL {setting} = 0")
        for scan in ("indexscan", "bitmapscan", "indexonlyscan"):
            cur.execute(f"SET LOCAL enable_{scan} = off")
        cur.execute("SHOW server_version_num")
        force = "debug_parallel_query" if int(cur.fetchone()[0]) >= 160000 else "force_parallel_mode"
        cur.execute(f"SET LOCAL {force} = on")
    querysets = [Person.objects.filter(division_code__startswith=code) for code in ("441702001", "441702002")]
    with CaptureQueriesContext(connection) as q:
        estimates = pagination.planner_estimates(querysets)
    assert "Gather" in _explain_top(querysets)  # the case under test
    assert len(q) == 1
    actual = [qs.count() for qs in querysets]
    for estimate, n in zip(estimates, actual, strict=True):
        assert n / 2 <= estimate <= n * 2, (estimates, actual)


def _explain_top(querysets) -> str:
    import json

    arms = [pagination._arm(qs) for qs in querysets]
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (FORMAT JSON) " + " UNION ALL ".join(f"({s})" for s, _ in arms),
                    [p for _, ps in arms for p in ps])
        plan = cur.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Plan"]["Node Type"]
