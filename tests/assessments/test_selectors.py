"""The care-level selectors other modules rely on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import OuterRef, Subquery
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yanglao.assessments import selectors
from yanglao.people.models import Person

pytestmark = pytest.mark.django_db


def test_care_levels_for_many_people_in_one_query(new_person, workflow):
    from django.db import connection

    people = [new_person(name=n) for n in ("张甲", "王乙", "赵丙")]
    a = workflow(people[0], total=90)
    b = workflow(people[1], total=30)
    with CaptureQueriesContext(connection) as queries:
        levels = selectors.care_levels_for([p.pk for p in people])
    assert len(queries) == 1
    assert {k: v.level for k, v in levels.items()} == {people[0].pk: 0, people[1].pk: 3}
    assert levels[people[1].pk].assessment_id == b.pk and levels[people[0].pk].assessment_id == a.pk
    assert selectors.care_levels_for([]) == {}


def test_current_levels_is_one_row_per_person_usable_as_a_subquery(new_person, workflow, jiangcheng):
    from yanglao.assessments import services

    from .conftest import items_with_total

    person = new_person()
    workflow(person, total=80, on=dt.date(2026, 1, 1))
    again = services.reassessment_request(by=jiangcheng, person=person)
    services.assessment_schedule(by=jiangcheng, assessment=again, assessor_1=again.person.assessments.first().assessor_1,
                                 assessor_2=again.person.assessments.first().assessor_2, scheduled_on=dt.date(2026, 6, 1))
    services.assessment_submit(by=again.person.assessments.first().assessor_1, assessment=again,
                               data={"items": items_with_total(20)})
    services.assessment_approve(by=jiangcheng, assessment=again, on=dt.date(2026, 6, 2))
    day = dt.date(2026, 7, 1)
    assert list(selectors.current_levels(day)) == [{"person_id": person.pk, "level": 4}]
    assert list(selectors.current_levels(dt.date(2026, 3, 1))) == [{"person_id": person.pk, "level": 1}]
    annotated = Person.objects.annotate(
        care_level=Subquery(selectors.current_levels(day).filter(person_id=OuterRef("pk")).values("level")[:1]))
    assert annotated.get(pk=person.pk).care_level == 4
    assert Person.objects.filter(pk__in=selectors.current_levels(day).filter(level__gte=2).values("person_id")).count() == 1
    sql, params = selectors.current_levels(day).query.sql_with_params()
    assert "person_id" in sql and "level" in sql


def test_an_unapproved_result_is_not_a_care_level(new_person, workflow):
    person = new_person()
    workflow(person, until="submitted")
    assert selectors.care_level_for(person.pk) is None
    assert not selectors.current_levels(timezone.localdate()).exists()
