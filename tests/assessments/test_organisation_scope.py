"""An organisation sees an assessment only when the person has applied to or lives in its institution
(issue 18 item 11): attributing an assessment to an organisation does not open the person's health data to it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yanglao.assessments import selectors, services
from yanglao.assessments.choices import Reason, RequestedVia
from yanglao.assessments.models import Assessment
from yanglao.core.errors import ValidationFailed
from yanglao.core.models import Organisation
from yanglao.core.roles import Role
from yanglao.core.testing import api_client, make_user, page_client
from yanglao.institutions.models import Institution, Residency

pytestmark = pytest.mark.django_db


def _home(name: str) -> tuple[Organisation, Institution, object]:
    org = Organisation.objects.create(name=f"{name}运营公司", kind="institution", division_code="441702001")
    inst = Institution.objects.create(name=name, ownership="public", operator=org, division_code="441702001001",
                                      address="北门路9号", accepts_public_admission=True)
    return org, inst, make_user(Role.INSTITUTION_OPERATOR, "", organisation=org)


def _approved(assessment: Assessment, reviewer) -> Assessment:
    """The result as the workflow leaves it (approved, valid), so the report PDF can be produced."""
    Assessment.objects.filter(pk=assessment.pk).update(
        status="approved", level=3, base_level=3, total=40, reviewer=reviewer, assessed_on=dt.date(2026, 11, 1),
        approved_at=timezone.now(),
        valid_from=dt.date(2026, 11, 1), valid_until=dt.date(2027, 10, 31))
    return Assessment.objects.get(pk=assessment.pk)


def _sees(user, assessment: Assessment) -> dict[str, object]:
    api = api_client(user)
    page = page_client(user)
    return {
        "selector": list(selectors.assessments_for(user)) == [assessment],
        "api_list": api.get("/api/v1/assessments/").json().get("count"),
        "api_detail": api.get(f"/api/v1/assessments/{assessment.pk}/").status_code,
        "page_list": f"/assessments/{assessment.pk}/" in page.get("/assessments/").content.decode(),
        "page_detail": page.get(f"/assessments/{assessment.pk}/").status_code,
        "pdf": page.get(f"/assessments/{assessment.pk}/report.pdf").status_code,
    }


def test_an_unrelated_institution_sees_nothing_of_an_assessment_attributed_to_it(new_person, jiangcheng):
    person = new_person()
    org, _inst, operator = _home("无关养老院")
    # Attributed to the organisation without any application or residency (as the old code allowed).
    assessment = _approved(Assessment.objects.create(
        person=person, division_code=person.division_code, requested_via=RequestedVia.INSTITUTION,
        requesting_organisation=org, requested_by=jiangcheng), jiangcheng)
    assert _sees(operator, assessment) == {"selector": False, "api_list": 0, "api_detail": 404, "page_list": False,
                                           "page_detail": 404, "pdf": 404}


def test_the_institution_the_person_applied_to_sees_the_assessment(new_person, jiangcheng):
    from yanglao.admissions.defaults import ensure_default_rules
    from yanglao.admissions.services import application_create
    from yanglao.institutions.services import beds_add

    ensure_default_rules()
    person = new_person()
    org, inst, operator = _home("申请养老院")
    beds_add(by=jiangcheng, institution=inst, building="1", floor="1", rooms=["101"], beds_per_room=1, bed_type="nursing")
    application_create(by=jiangcheng, person=person, institution=inst)
    assessment = _approved(services.assessment_request(by=jiangcheng, person=person, reason=Reason.ADMISSION,
                                                       requested_via=RequestedVia.INSTITUTION, organisation=org),
                           jiangcheng)
    assert _sees(operator, assessment) == {"selector": True, "api_list": 1, "api_detail": 200, "page_list": True,
                                           "page_detail": 200, "pdf": 200}
    _other_org, _other, stranger = _home("别家养老院")
    assert _sees(stranger, assessment)["api_detail"] == 404


def test_a_resident_s_assessment_is_seen_while_they_live_there_only(new_person, jiangcheng):
    person = new_person()
    org, inst, operator = _home("入住养老院")
    residency = Residency.objects.create(person=person, institution=inst, admitted_on=dt.date(2026, 1, 1),
                                         division_code=inst.division_code)
    assessment = services.assessment_request(by=jiangcheng, person=person, requested_via=RequestedVia.INSTITUTION,
                                             organisation=org)
    assert list(selectors.assessments_for(operator)) == [assessment]
    Residency.objects.filter(pk=residency.pk).update(discharged_on=dt.date(2026, 11, 1))
    assert list(selectors.assessments_for(operator)) == []


def test_an_assessment_cannot_be_attributed_to_an_organisation_the_person_has_no_link_with(new_person, jiangcheng):
    person = new_person()
    org, _inst, _operator = _home("无关养老院")
    with pytest.raises(ValidationFailed) as refused:
        services.assessment_request(by=jiangcheng, person=person, requested_via=RequestedVia.INSTITUTION,
                                    organisation=org)
    assert "未向" in refused.value.details["organisation"] and "不能以该机构名义申请评估" in refused.value.details["organisation"]
    assert not Assessment.objects.filter(person=person).exists()
