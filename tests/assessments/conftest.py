"""Fixtures for the assessment tests: assessors, people, and assessments at each step of the workflow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.people.conftest import make_id, new_person  # noqa: F401 - fixture re-exported
from yanglao.assessments import services
from yanglao.assessments.models import Assessment
from yanglao.assessments.scale import ITEMS, TOTAL_MAX
from yanglao.core.roles import Role
from yanglao.core.testing import make_user


def full_marks() -> dict[str, int]:
    return {item.code: item.max_score for item in ITEMS}


def items_with_total(total: int) -> dict[str, int]:
    """Valid item scores adding up to exactly ``total``."""
    items = full_marks()
    deficit = TOTAL_MAX - total
    for item in reversed(ITEMS):
        cut = min(deficit, item.max_score - item.min_score)
        items[item.code] -= cut
        deficit -= cut
    assert sum(items.values()) == total
    return items


@pytest.fixture
def assessor1(divisions):
    return make_user(Role.ASSESSOR, "441702", username="assessor1", real_name="吴志坚")


@pytest.fixture
def assessor2(divisions):
    return make_user(Role.ASSESSOR, "441702", username="assessor2", real_name="郑美玲")


@pytest.fixture
def person(new_person):  # noqa: F811
    return new_person()


@pytest.fixture
def workflow(jiangcheng, assessor1, assessor2) -> Callable[..., Assessment]:
    """Take a new assessment of ``person`` up to ``until`` (requested … approved, published)."""

    def run(person: Any, *, until: str = "approved", total: int = 60, on: dt.date | None = None,
            reviewer: Any = None, **record: Any) -> Assessment:
        a = services.assessment_request(by=jiangcheng, person=person)
        if until == "requested":
            return a
        a = services.assessment_schedule(by=jiangcheng, assessment=a, assessor_1=assessor1, assessor_2=assessor2,
                                         scheduled_on=dt.date(2026, 11, 25), place="家中")
        if until == "scheduled":
            return a
        data = {"items": items_with_total(total)} | record
        a = services.assessment_record(by=assessor1, assessment=a, data=data)
        if until == "in_progress":
            return a
        a = services.assessment_submit(by=assessor2, assessment=a)
        if until == "submitted":
            return a
        a = services.assessment_approve(by=reviewer or jiangcheng, assessment=a, on=on)
        if until == "approved":
            return a
        return services.assessment_publish(by=jiangcheng, assessment=a)

    return run
