"""Who is due, how often and to whom: the monthly plan, set-based and idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client
from yanglao.visits import plans, services
from yanglao.visits.models import Visit, VisitConsent, VisitTier

from .conftest import BEIMEN, OTHER_TOWNSHIP_COMMUNITY

pytestmark = pytest.mark.django_db
NOV = dt.date(2026, 11, 1)
OCT = dt.date(2026, 10, 1)


def _rows(person):  # type: ignore[no-untyped-def]
    return list(Visit.objects.filter(person=person).order_by("month", "seq").values_list("tier_name", "due_date"))


def test_the_plan_derives_who_is_due_and_how_often_from_the_registry(person, jiangcheng):
    high_risk = person(living="alone", level=2)
    alone = person(living="alone")
    empty_nest = person(living="empty_nest")
    tekun = person(living="with_children", categories=("tekun",))
    disabled = person(living="with_spouse", level=3)
    dibao = person(living="with_children", categories=("dibao",))
    ordinary = person(living="with_children")
    in_home = person(living="institution", categories=("tekun",))
    deceased = person(living="alone", status="deceased")
    refused = person(living="alone")
    VisitConsent.objects.create(person=refused, agreed=False, recorded_on=dt.date(2026, 10, 1), recorded_by=jiangcheng,
                                division_code=BEIMEN)

    added = plans.generate("441702", NOV)

    assert [d.day for _, d in _rows(high_risk)] == [8, 15, 23, 30]  # weekly
    assert {t for t, _ in _rows(high_risk)} == {"高风险"}
    assert _rows(alone) == [("重点对象", dt.date(2026, 11, 30))]  # monthly, due by the month's end
    assert len(_rows(empty_nest)) == 1 and len(_rows(tekun)) == 1 and len(_rows(disabled)) == 1
    assert _rows(dibao) == []  # quarterly: January, April, July, October
    assert _rows(ordinary) == [] and _rows(in_home) == [] and _rows(deceased) == [] and _rows(refused) == []
    assert added == 4 + 4

    plans.generate("441702", OCT)
    assert _rows(dibao) == [("一般关注", dt.date(2026, 10, 31))]


def test_running_a_month_again_adds_nothing(person):
    for _ in range(3):
        person(living="alone")
    person(living="alone", level=2)
    first = plans.generate("441702", NOV)
    assert first == 3 + 4
    assert plans.generate("441702", NOV) == 0
    assert plans.generate("4417", NOV) == 0  # the city run covers the county: same rows, no duplicates
    assert Visit.objects.count() == 7
    late = person(living="empty_nest")  # registered mid-month: the next run adds only them
    assert plans.generate("441702", NOV) == 1
    assert Visit.objects.filter(person=late).count() == 1


def test_a_county_override_replaces_the_city_default(person):
    alone = person(living="alone")
    VisitTier.objects.create(division_code="441702", rank=1, name="江城区重点", living_situations=["alone"],
                             visits_per_month=2, valid_from=dt.date(2026, 1, 1))
    plans.generate("441702", NOV)
    assert [t for t, _ in _rows(alone)] == ["江城区重点", "江城区重点"]
    tekun = person(living="with_children", categories=("tekun",))  # the city's tekun rule no longer applies here
    plans.generate("441702", NOV)
    assert _rows(tekun) == []


def test_a_rule_with_no_criterion_matches_nobody(person):
    VisitTier.objects.create(division_code="441702", rank=1, name="空规则", valid_from=dt.date(2026, 1, 1))
    person(living="alone")
    assert plans.generate("441702", NOV) == 0


def test_visits_are_spread_evenly_over_the_community_workers(person, visitor):
    a, b = visitor("何晓敏"), visitor("李志强", kind="volunteer")
    weekly = [person(living="alone", level=2) for _ in range(2)]
    monthly = [person(living="alone") for _ in range(4)]
    plans.generate("441702", NOV)
    per_person = {p.pk: set(Visit.objects.filter(person=p).values_list("visitor_id", flat=True)) for p in weekly + monthly}
    assert all(len(v) == 1 for v in per_person.values())  # one person, one visitor for the month
    assert {next(iter(per_person[p.pk])) for p in weekly} == {a.pk, b.pk}  # the heavy ones split first
    loads = [Visit.objects.filter(visitor=v).count() for v in (a, b)]
    assert loads == [6, 6]


def test_a_community_without_visitors_leaves_visits_unassigned(person, visitor):
    visitor("何晓敏")
    person(living="alone", community=OTHER_TOWNSHIP_COMMUNITY)
    plans.generate("441702", NOV)
    assert Visit.objects.get(division_code=OTHER_TOWNSHIP_COMMUNITY).visitor is None


def test_township_staff_generate_for_their_township_only(person, nanen):
    mine = person(living="alone")
    other = person(living="alone", community=OTHER_TOWNSHIP_COMMUNITY)
    month = timezone.localdate().replace(day=1)
    services.plan_generate(by=nanen, month=month)
    assert Visit.objects.filter(person=mine).exists() and not Visit.objects.filter(person=other).exists()


def test_community_workers_may_not_generate_plans(beimen):
    with pytest.raises(Forbidden):
        services.plan_generate(by=beimen, month=timezone.localdate())
    assert page_client(beimen).get("/visits/plan/generate/").status_code == 403


def test_a_plan_far_in_the_future_is_refused(jiangcheng):
    with pytest.raises(ValidationFailed):
        services.plan_generate(by=jiangcheng, month=plans.add_months(timezone.localdate(), 3))


def test_generating_from_the_confirmation_page(person, jiangcheng):
    person(living="alone")
    month = timezone.localdate().replace(day=1)
    client = page_client(jiangcheng)
    assert client.get(f"/visits/plan/generate/?month={month:%Y-%m}").status_code == 200
    resp = client.post("/visits/plan/generate/", {"month": f"{month:%Y-%m}", "comment": ""})
    assert resp.status_code == 302
    assert Visit.objects.filter(month=month).count() == 1


def test_reassigning_one_visit_and_a_workers_whole_list(person, visitor, nanen):
    a, b = visitor("何晓敏"), visitor("李志强")
    far = visitor("王芳", community=OTHER_TOWNSHIP_COMMUNITY)
    for _ in range(4):
        person(living="alone")
    plans.generate("441702", NOV)
    one = Visit.objects.filter(visitor=a).first()
    services.visit_reassign(by=nanen, visit=one, visitor_id=b.pk)
    assert Visit.objects.filter(visitor=b).count() == 3
    with pytest.raises(ValidationFailed):
        services.visit_reassign(by=nanen, visit=one, visitor_id=far.pk)  # another township's worker
    moved = services.visitor_reassign_all(by=nanen, source=b, target_id=a.pk)
    assert moved == 3 and Visit.objects.filter(visitor=a).count() == 4


def test_reassigning_through_the_page(person, visitor, nanen):
    a, b = visitor("何晓敏"), visitor("李志强")
    person(living="alone")
    plans.generate("441702", timezone.localdate().replace(day=1))
    v = Visit.objects.get()
    target = b if v.visitor_id == a.pk else a
    resp = page_client(nanen).post(f"/visits/plan/{v.pk}/reassign/", {"visitor": target.pk})
    assert resp.status_code == 302
    v.refresh_from_db()
    assert v.visitor_id == target.pk


def test_a_major_change_puts_a_visit_due_within_24_hours(person, visitor, beimen):
    visitor("何晓敏", user=beimen)
    p = person(living="alone", level=2)
    before = timezone.now()
    v = services.report_major_change(by=beimen, person=p, note="出院回家，独自居住")
    assert v.kind == "change" and v.seq == 100
    assert dt.timedelta(hours=23, minutes=59) < v.due_by - before <= dt.timedelta(hours=24, minutes=1)
    again = services.report_major_change(by=beimen, person=p, note="房屋漏水")
    assert again.seq == 101
    with pytest.raises(ValidationFailed):
        services.report_major_change(by=beimen, person=p, note="")


def test_consent_refused_takes_the_person_out_of_the_next_plan(person, beimen):
    p = person(living="alone")
    services.consent_record(by=beimen, person=p, agreed=False, signed_by="陈秀英")
    assert plans.generate("441702", NOV) == 0
    services.consent_record(by=beimen, person=p, agreed=True, signed_by="陈秀英")
    assert plans.generate("441702", NOV) == 1


def test_county_staff_add_their_own_rule_and_other_counties_keep_the_default(jiangcheng, yangxi):
    services.tier_add(by=jiangcheng, data={"name": "独居每月两次", "living_situations": ["alone"],
                                           "visits_per_month": 2, "interval_months": 1})
    assert [t.name for t in plans.tiers_for("441702", timezone.localdate())] == ["独居每月两次"]
    assert plans.tiers_for("441721", timezone.localdate())[0].division_code == "4417"
    with pytest.raises(ValidationFailed):
        services.tier_add(by=jiangcheng, data={"name": "无条件", "visits_per_month": 1})
    township = make_user(Role.TOWNSHIP_STAFF, "441702001")
    with pytest.raises(Forbidden):
        services.tier_add(by=township, data={"name": "x", "living_situations": ["alone"]})
