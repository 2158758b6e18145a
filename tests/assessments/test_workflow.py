"""The assessment workflow through its services: who may do what, in which state, and what it leaves."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from yanglao.assessments import selectors, services
from yanglao.assessments.choices import Reason, RequestedVia, Status
from yanglao.assessments.models import Assessment
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.models import AuditAction, AuditEntry, Organisation, OrganisationKind
from yanglao.core.roles import Role
from yanglao.core.testing import make_user

from .conftest import items_with_total

pytestmark = pytest.mark.django_db


def test_happy_path_from_request_to_published_care_level(person, jiangcheng, assessor1, assessor2):
    a = services.assessment_request(by=jiangcheng, person=person, reason=Reason.FIRST)
    assert (a.status, a.division_code, a.requested_by) == (Status.REQUESTED, person.division_code, jiangcheng)
    a = services.assessment_schedule(by=jiangcheng, assessment=a, assessor_1=assessor1, assessor_2=assessor2,
                                     scheduled_on=dt.date(2026, 11, 25), place="北门路1号")
    assert a.status == Status.SCHEDULED
    a = services.assessment_record(by=assessor1, assessment=a, data={"items": {"B1.1": 2}})
    assert a.status == Status.IN_PROGRESS and a.items == {"B1.1": 2} and a.level is None
    a = services.assessment_submit(by=assessor2, assessment=a, data={
        "items": items_with_total(50), "diagnoses": ["F01.1"], "risk_events_30d": ["fall"]})
    assert a.status == Status.SUBMITTED
    assert (a.total, a.base_level, a.level) == (50, 2, 3)  # dementia raises 2 → 3
    assert [r["code"] for r in a.rules_applied] == ["dementia"]
    assert sum(a.indicators.values()) == 50
    assert selectors.care_level_for(person.pk) is None  # not before approval

    a = services.assessment_approve(by=jiangcheng, assessment=a, on=dt.date(2026, 11, 26))
    assert a.status == Status.APPROVED and a.reviewer == jiangcheng
    assert (a.valid_from, a.valid_until) == (dt.date(2026, 11, 26), dt.date(2027, 11, 25))
    care = selectors.care_level_for(person.pk, dt.date(2026, 12, 1))
    assert care == selectors.CareLevel(3, "能力重度受损（重度失能）", a.pk, dt.date(2026, 11, 26), dt.date(2027, 11, 25))

    a = services.assessment_publish(by=jiangcheng, assessment=a)
    assert a.status == Status.PUBLISHED and a.published_at is not None
    assert selectors.care_level_for(person.pk, dt.date(2026, 12, 1)).assessment_id == a.pk
    # Every step is in the audit trail, with the health data never in clear.
    entries = AuditEntry.objects.filter(object_type="assessments.assessment", object_id=str(a.pk))
    assert entries.count() >= 6
    assert all("B1.1" not in str(e.changes) for e in entries)


def test_the_level_is_computed_by_scoring_never_typed_in(workflow, person, assessor1):
    a = workflow(person, until="in_progress", total=90)
    a = services.assessment_record(by=assessor1, assessment=a, data={"items": items_with_total(90), "level": 4})
    a = services.assessment_submit(by=assessor1, assessment=a)
    assert (a.total, a.level) == (90, 0)


def test_submit_refuses_missing_items_naming_each(workflow, person, assessor1):
    a = workflow(person, until="scheduled")
    services.assessment_record(by=assessor1, assessment=a, data={"items": {"B1.1": 4}})
    with pytest.raises(ValidationFailed) as exc:
        services.assessment_submit(by=assessor1, assessment=a)
    assert "B1.2" in exc.value.details and "B4.5" in exc.value.details and "B1.1" not in exc.value.details
    a.refresh_from_db()
    assert a.status == Status.IN_PROGRESS


def test_record_refuses_out_of_range_and_unknown_codes(workflow, person, assessor1):
    a = workflow(person, until="scheduled")
    with pytest.raises(ValidationFailed) as exc:
        services.assessment_record(by=assessor1, assessment=a, data={"items": {"B2.4": 4, "B9.9": 1},
                                                                      "diagnoses": ["dementia"]})
    assert set(exc.value.details) == {"B2.4", "B9.9", "diagnoses"}


def test_reviewer_cannot_be_one_of_the_assessors(workflow, person, assessor1):
    a = workflow(person, until="submitted")
    # An assessor later given county-staff rights still may not review their own assessment.
    assessor1.role = Role.COUNTY_STAFF
    assessor1.save()
    with pytest.raises(Forbidden) as exc:
        services.assessment_approve(by=assessor1, assessment=a)
    assert "评估员不能审核本人参与的评估" in exc.value.message
    a.refresh_from_db()
    assert a.status == Status.SUBMITTED


def test_database_refuses_a_reviewer_who_is_an_assessor(workflow, person, assessor2):
    a = workflow(person, until="submitted")
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=a.pk).update(reviewer=assessor2)


def test_two_assessors_must_differ(workflow, person, jiangcheng, assessor1):
    a = workflow(person, until="requested")
    with pytest.raises(ValidationFailed) as exc:
        services.assessment_schedule(by=jiangcheng, assessment=a, assessor_1=assessor1, assessor_2=assessor1,
                                     scheduled_on=dt.date(2026, 11, 25))
    assert exc.value.details == {"assessor_2": "两名评估员不能是同一人"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=a.pk).update(assessor_1=assessor1, assessor_2=assessor1)


def test_assessors_must_be_assessor_accounts_of_the_area(workflow, person, jiangcheng, assessor1, yangxi):
    a = workflow(person, until="requested")
    far = make_user(Role.ASSESSOR, "441721", username="yangxi-assessor")
    with pytest.raises(ValidationFailed) as exc:
        services.assessment_schedule(by=jiangcheng, assessment=a, assessor_1=yangxi, assessor_2=far,
                                     scheduled_on=dt.date(2026, 11, 25))
    assert set(exc.value.details) == {"assessor_1", "assessor_2"}


def test_only_the_assigned_assessors_may_record(workflow, person, divisions):
    a = workflow(person, until="scheduled")
    other = make_user(Role.ASSESSOR, "441702", username="assessor3")
    with pytest.raises(Forbidden):
        services.assessment_record(by=other, assessment=a, data={"items": {"B1.1": 4}})


def test_reviewer_must_be_county_staff_of_the_persons_county(workflow, person, yangxi, divisions):
    a = workflow(person, until="submitted")
    township = make_user(Role.TOWNSHIP_STAFF, "441702001", username="nanen")
    for outsider in (yangxi, township):
        with pytest.raises(Forbidden):
            services.assessment_approve(by=outsider, assessment=a)
    city = make_user(Role.CITY_ADMIN, "4417", username="city")
    assert services.assessment_approve(by=city, assessment=a).status == Status.APPROVED


@pytest.mark.parametrize("until,action", [
    ("requested", "approve"), ("scheduled", "approve"), ("approved", "approve"), ("approved", "reject"),
    ("requested", "publish"), ("published", "publish"), ("submitted", "record"), ("approved", "record"),
    ("approved", "submit"), ("approved", "cancel"), ("submitted", "cancel"),
])
def test_invalid_transitions_are_conflicts(workflow, person, jiangcheng, assessor1, until, action):
    a = workflow(person, until=until)
    calls = {
        "approve": lambda: services.assessment_approve(by=jiangcheng, assessment=a),
        "reject": lambda: services.assessment_reject(by=jiangcheng, assessment=a, reason="补充"),
        "publish": lambda: services.assessment_publish(by=jiangcheng, assessment=a),
        "submit": lambda: services.assessment_submit(by=assessor1, assessment=a),
        "record": lambda: services.assessment_record(by=assessor1, assessment=a, data={"items": {"B1.1": 1}}),
        "cancel": lambda: services.assessment_cancel(by=jiangcheng, assessment=a, reason="不再需要"),
    }
    before = a.status
    with pytest.raises(Conflict):
        calls[action]()
    a.refresh_from_db()
    assert a.status == before


def test_rejected_assessment_goes_back_to_the_assessors_and_can_be_resubmitted(workflow, person, jiangcheng,
                                                                             assessor1):
    a = workflow(person, until="submitted", total=70)
    a = services.assessment_reject(by=jiangcheng, assessment=a, reason="B2.3 与现场情况不符，请复核")
    assert a.status == Status.REJECTED and a.rejection_reason.startswith("B2.3")
    with pytest.raises(Conflict):
        services.assessment_approve(by=jiangcheng, assessment=a)
    a = services.assessment_submit(by=assessor1, assessment=a, data={"items": items_with_total(64)})
    assert (a.status, a.level, a.rejection_reason) == (Status.SUBMITTED, 2, "")
    assert services.assessment_approve(by=jiangcheng, assessment=a).level == 2


def test_reject_needs_a_reason(workflow, person, jiangcheng):
    a = workflow(person, until="submitted")
    with pytest.raises(ValidationFailed):
        services.assessment_reject(by=jiangcheng, assessment=a, reason="  ")


def test_approving_twice_is_a_conflict(workflow, person, jiangcheng, city_admin):
    a = workflow(person, until="approved")
    with pytest.raises(Conflict):
        services.assessment_approve(by=city_admin, assessment=a)


def test_one_open_assessment_per_person(workflow, person, jiangcheng):
    workflow(person, until="scheduled")
    with pytest.raises(Conflict) as exc:
        services.assessment_request(by=jiangcheng, person=person)
    assert exc.value.code == "open_assessment_exists"


def test_cancelled_request_frees_the_person_for_a_new_one(workflow, person, jiangcheng):
    a = workflow(person, until="requested")
    services.assessment_cancel(by=jiangcheng, assessment=a, reason="本人拒绝")
    assert services.assessment_request(by=jiangcheng, person=person).status == Status.REQUESTED


def test_institution_request_needs_an_institution(person, jiangcheng):
    with pytest.raises(ValidationFailed) as exc:
        services.assessment_request(by=jiangcheng, person=person, requested_via=RequestedVia.INSTITUTION)
    assert "organisation" in exc.value.details
    home = Organisation.objects.create(name="江城区社会福利中心", kind=OrganisationKind.INSTITUTION,
                                       division_code="441702001")
    from yanglao.institutions.models import Institution, Residency

    inst = Institution.objects.create(name="江城区社会福利中心", ownership="public", operator=home,
                                      division_code="441702001001", address="北门路9号")
    Residency.objects.create(person=person, institution=inst, admitted_on=dt.date(2026, 1, 1),
                             division_code=inst.division_code)
    a = services.assessment_request(by=jiangcheng, person=person, reason=Reason.ADMISSION,
                                    requested_via=RequestedVia.INSTITUTION, organisation=home)
    assert a.requesting_organisation == home
    operator = make_user(Role.INSTITUTION_OPERATOR, "", username="carehome", organisation=home)
    assert list(selectors.assessments_for(operator)) == [a]


def test_staff_cannot_request_for_someone_outside_their_county(person, yangxi):
    with pytest.raises(Forbidden):
        services.assessment_request(by=yangxi, person=person)


def test_validity_ends_after_the_configured_months(workflow, person):
    a = workflow(person, on=dt.date(2026, 1, 15))
    assert a.valid_until == dt.date(2027, 1, 14)
    assert selectors.care_level_for(person.pk, dt.date(2027, 1, 14)).assessment_id == a.pk
    assert selectors.care_level_for(person.pk, dt.date(2027, 1, 15)) is None
    assert selectors.care_level_for(person.pk, dt.date(2026, 1, 14)) is None


@override_settings(ASSESSMENT_VALIDITY_MONTHS=6)
def test_validity_months_is_a_setting(workflow, person):
    a = workflow(person, on=dt.date(2026, 8, 31))
    assert a.valid_until == dt.date(2027, 2, 27)  # 28 February 2027 minus one day


def test_reassessment_keeps_the_earlier_result_in_the_history(workflow, person, jiangcheng, assessor1, assessor2):
    first = workflow(person, total=80, on=dt.date(2026, 3, 1))
    again = services.reassessment_request(by=jiangcheng, person=person, reason=Reason.ON_REQUEST)
    assert again.previous == first and again.requested_via == RequestedVia.PERSON_FAMILY
    # Until the new result is approved, the earlier one stays the care level.
    assert selectors.care_level_for(person.pk, dt.date(2026, 11, 1)).assessment_id == first.pk
    services.assessment_schedule(by=jiangcheng, assessment=again, assessor_1=assessor2, assessor_2=assessor1,
                                 scheduled_on=dt.date(2026, 11, 2))
    services.assessment_submit(by=assessor1, assessment=again, data={"items": items_with_total(40)})
    second = services.assessment_approve(by=jiangcheng, assessment=again, on=dt.date(2026, 11, 3))
    care = selectors.care_level_for(person.pk, dt.date(2026, 11, 3))
    assert (care.assessment_id, care.level) == (second.pk, 3)
    assert selectors.care_level_for(person.pk, dt.date(2026, 11, 2)).assessment_id == first.pk
    assert list(selectors.results_history(person)) == [second, first]
    first.refresh_from_db()
    assert (first.status, first.level) == (Status.APPROVED, 1)


def test_reassessment_reason_cannot_be_first(person, jiangcheng):
    with pytest.raises(ValidationFailed):
        services.reassessment_request(by=jiangcheng, person=person, reason=Reason.FIRST)


@override_settings(ASSESSMENT_STACK_ADJUSTMENTS=False)
def test_stacking_policy_setting_is_applied_at_submission(workflow, person):
    a = workflow(person, total=70, diagnoses=["F00.1"], risk_events_30d=["fall", "choking"])
    assert (a.base_level, a.level) == (1, 2)
    assert [r["code"] for r in a.rules_applied] == ["dementia", "risk_events"]


def test_stacking_by_default(workflow, person):
    a = workflow(person, total=70, diagnoses=["F00.1"], risk_events_30d=["fall", "choking"])
    assert (a.base_level, a.level) == (1, 3)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_approve_once(workflow, person, jiangcheng, city_admin):
    a = workflow(person, until="submitted")
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def approve(user):  # type: ignore[no-untyped-def]
        from django.db import connection as conn

        try:
            barrier.wait()
            services.assessment_approve(by=user, assessment=Assessment.objects.get(pk=a.pk))
            outcomes.append("approved")
        except Conflict:
            outcomes.append("conflict")
        finally:
            conn.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (jiangcheng, city_admin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["approved", "conflict"]
    a.refresh_from_db()
    assert a.status == Status.APPROVED
    assert AuditEntry.objects.filter(object_type="assessments.assessment", object_id=str(a.pk),
                                     action=AuditAction.UPDATE, changes__has_key="approved_at").count() == 1
