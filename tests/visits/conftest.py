"""Fixtures for the visits module: people of 北门社区 (南恩街道, 江城区) in every situation, their
community workers, and the city default tiers (transactional tests flush the migration's rows)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from yanglao.core.roles import Role
from yanglao.core.testing import make_user
from yanglao.visits.defaults import ensure_default_tiers

BEIMEN = "441702001001"
NANEN = "441702001"
OTHER_TOWNSHIP_COMMUNITY = "441702002001"
_seq = itertools.count(500)


@pytest.fixture(autouse=True)
def _tiers(db):  # type: ignore[no-untyped-def]
    ensure_default_tiers()


@pytest.fixture
def nanen(divisions):  # type: ignore[no-untyped-def]
    return make_user(Role.TOWNSHIP_STAFF, NANEN, username="nanen", real_name="冯丽华")


@pytest.fixture
def beimen(divisions):  # type: ignore[no-untyped-def]
    return make_user(Role.COMMUNITY_WORKER, BEIMEN, username="beimen", real_name="何晓敏")


@pytest.fixture
def person(divisions):  # type: ignore[no-untyped-def]
    """person(living="alone", categories=["tekun"], level=2, community=BEIMEN, status="active")"""
    from yanglao.people.models import Person, PersonCategory

    def create(living: str = "alone", categories: tuple[str, ...] = (), level: int | None = None,
               community: str = BEIMEN, status: str = "active", name: str = "陈秀英", phone: str = "") -> Person:
        n = next(_seq)
        from yanglao.core.crypto import Sealer

        sealer = Sealer()
        p = Person.objects.create(
            name=name, id_number_enc="x", id_number_hash=f"h{n}", id_number_masked="441702********1234",
            id_last4=f"{n % 10000:04d}", birth_date=dt.date(1942, 3, 1), sex="F", division_code=community,
            address=f"北门路{n}号", living_situation=living, status=status,
            status_date=None if status == "active" else dt.date(2026, 1, 1),
            phone_enc=sealer.encrypt(phone) if phone else "", phone_masked=(phone[:3] + "******" + phone[-2:]) if phone else "")
        for code in categories:
            PersonCategory.objects.create(person=p, category=code, valid_from=dt.date(2020, 1, 1),
                                          division_code=community,
                                          disability_grade=1 if code == "severe_disability" else None)
        if level is not None:
            from yanglao.assessments.models import Assessment

            reviewer = make_user(Role.COUNTY_STAFF, "441702")
            Assessment.objects.create(
                person=p, division_code=community, status="approved", level=level, base_level=level, total=40,
                approved_at=timezone.now(), reviewer=reviewer, valid_from=dt.date(2026, 1, 1),
                valid_until=dt.date(2027, 12, 31), assessed_on=dt.date(2026, 1, 1))
        return p

    return create


@pytest.fixture
def visitor(nanen):  # type: ignore[no-untyped-def]
    from yanglao.visits.models import Visitor

    def create(name: str = "何晓敏", community: str = BEIMEN, user=None, kind: str = "community_worker") -> Visitor:  # type: ignore[no-untyped-def]
        return Visitor.objects.create(name=name, kind=kind, division_code=community, user=user, supervisor=nanen)

    return create
