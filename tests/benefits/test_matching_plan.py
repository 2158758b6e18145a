"""Matching finds each row's person by one probe of the registry's unique ID-number index, and the index
carries what matching reads of the person (id, status, status date, community: people.0013), so the
probe never reads the person's row (an index-only scan). Asserted on PostgreSQL's own plan after seeding
and ANALYZE: a migration that rebuilt the constraint without its INCLUDE columns, or a resolver that
read another column, would bring back a heap read per row of every list (≈ 0.3 s per 100,000 rows)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection

from tests.people.test_search_plans import nodes
from yanglao.benefits import matching
from yanglao.people.models import Person
from yanglao.people.seeding import seed_people

pytestmark = pytest.mark.django_db


def test_each_rows_person_is_found_by_an_index_only_probe_of_the_unique_id_number_index(divisions, is_postgres):
    if not is_postgres:
        pytest.skip("query plans are PostgreSQL's")
    seed_people(5_000, seed=9, today=dt.date(2026, 11, 29))
    with connection.cursor() as cur:
        cur.execute("ANALYZE people_person")
        hashes = list(Person.objects.values_list("id_number_hash", flat=True)[:2_000])
        cur.execute(f"EXPLAIN (FORMAT JSON) {matching.RESOLVE_SQL}", [" ".join(hashes)])
        plan = cur.fetchone()[0]
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    probes = [n for n in nodes(plan) if n.get("Relation Name") == "people_person"]
    assert [(n["Node Type"], n.get("Index Name")) for n in probes] == [
        ("Index Only Scan", "person_one_record_per_id_number")]
