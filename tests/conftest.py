"""Shared fixtures. Tests hit the real database: SQLite by default, PostgreSQL when DATABASE_URL is set."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from hypothesis import HealthCheck, settings

from yanglao.core.idnumber import check_digit
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, api_client, ensure_divisions, make_user

# Property tests assert behaviour, not speed: on a loaded machine (CI beside other jobs) Hypothesis's
# "input generation is slow" health check and per-example deadline fail tests that are correct.
settings.register_profile("yanglao", suppress_health_check=[HealthCheck.too_slow], deadline=None)
settings.load_profile("yanglao")

needs_postgres = pytest.mark.skipif(
    "postgresql" not in __import__("django.conf", fromlist=["settings"]).settings.DATABASES["default"]["ENGINE"],
    reason="needs PostgreSQL (row locks, concurrency); set DATABASE_URL to run it",
)


def make_id(region: str = "441702", birth: str = "19500101", seq: str = "123") -> str:
    first17 = f"{region}{birth}{seq}"
    return first17 + check_digit(first17)


@pytest.fixture
def new_person(jiangcheng):
    counter = {"n": 100}

    def create(**overrides):
        counter["n"] += 1
        data = {
            "name": "陈秀英",
            "id_number": make_id(seq=f"{counter['n']:03d}"),
            "division_code": "441702001001",
            "phone": f"13800{counter['n']:06d}",
            "address": "北门路1号",
            "living_situation": "alone",
        } | overrides
        from yanglao.people.services import person_create

        return person_create(by=overrides.pop("by", jiangcheng), data=data, today=dt.date(2026, 11, 23))

    return create


@pytest.fixture(autouse=True)
def _fresh_dictionaries():
    """Each test reads the code lists (字典) from its own database: values of a rolled-back test are forgotten."""
    from yanglao.core.dictionaries import invalidate

    invalidate()
    yield
    invalidate()


@pytest.fixture
def divisions(db: None) -> None:
    ensure_divisions()


@pytest.fixture
def city_admin(divisions: None):
    return make_user(Role.CITY_ADMIN, "4417", username="city")


@pytest.fixture
def jiangcheng(divisions: None):
    return make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng")


@pytest.fixture
def yangxi(divisions: None):
    return make_user(Role.COUNTY_STAFF, "441721", username="yangxi")


@pytest.fixture
def auditor(divisions: None):
    return make_user(Role.AUDITOR, "4417", username="auditor")


@pytest.fixture
def api(jiangcheng):
    return api_client(jiangcheng)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_audit_trigger():
    """Transactional tests end with a flush (DELETE FROM every table on SQLite), which the audit
    table's append-only trigger refuses. Lift the trigger for the flush only. PostgreSQL flushes
    with TRUNCATE, which the row trigger does not see."""
    from django.core.management.commands import flush

    from yanglao.core import auditstore

    original = flush.Command.handle

    def handle(self, **options):  # type: ignore[no-untyped-def]
        if connection.vendor != "sqlite":
            return original(self, **options)
        auditstore.remove()
        try:
            return original(self, **options)
        finally:
            auditstore.install()

    flush.Command.handle = handle
    yield
    flush.Command.handle = original
