"""Fields set by the regulator are read-only to the regulated; declared facts change through a request that
county staff approve (issue 18 item 10)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from yanglao.core.errors import Forbidden
from yanglao.core.models import Organisation
from yanglao.core.roles import Role
from yanglao.core.testing import api_client, make_user, page_client
from yanglao.institutions import services
from yanglao.institutions.models import Institution, InstitutionChangeRequest

pytestmark = pytest.mark.django_db

# A value for every regulator field that differs from the home's own (and would raise its subsidy or status).
REGULATOR_VALUES = {
    "ownership": "public_private",
    "division_code": "441702001002",
    "credit_code": "12441700MB2C000005",
    "licence_kind": "licence",
    "licence_no": "阳民养许〔2026〕9号",
    "licence_date": "2026-01-01",
    "licence_valid_until": "2030-12-31",
    "medical_insurance_designated": True,
    "is_tekun_home": False,
    "mainly_disabled_tekun": False,
    "fire_safety": "passed",
    "fire_safety_date": "2026-01-02",
    "accepts_public_admission": False,
}


def test_every_regulator_field_is_declared_and_has_a_test_value():
    assert set(REGULATOR_VALUES) == Institution.REGULATOR_FIELDS
    assert not Institution.REGULATOR_FIELDS & Institution.DECLARED_FIELDS
    assert Institution.REGULATOR_FIELDS | Institution.DECLARED_FIELDS == services.INSTITUTION_FIELDS


@pytest.fixture
def operated(home):
    org = Organisation.objects.create(name="福利中心运营公司", kind="institution", division_code="441702001")
    Institution.objects.filter(pk=home.pk).update(operator=org)
    home.refresh_from_db()
    return home, make_user(Role.INSTITUTION_OPERATOR, "", organisation=org, username="carehome")


def _snapshot(inst: Institution) -> dict:
    inst = Institution.objects.get(pk=inst.pk)
    return {f: getattr(inst, f) for f in services.INSTITUTION_FIELDS}


@pytest.mark.parametrize("field", sorted(REGULATOR_VALUES))
def test_the_operator_cannot_change_a_regulator_field_by_service_api_or_console(operated, field):
    home, operator = operated
    before = _snapshot(home)
    with pytest.raises(Forbidden):
        services.institution_update(by=operator, institution=home, data={field: REGULATOR_VALUES[field]})
    with pytest.raises(Forbidden):
        services.change_request_create(by=operator, institution=home, data={field: REGULATOR_VALUES[field]})
    got = api_client(operator).patch(f"/api/v1/institutions/{home.pk}/", data=json.dumps({field: REGULATOR_VALUES[field]}),
                                     content_type="application/json")
    assert got.status_code == 403, got.content
    requested = api_client(operator).post("/api/v1/institution-change-requests/", content_type="application/json",
                                          data=json.dumps({"institution": home.pk,
                                                           "proposed": {field: REGULATOR_VALUES[field]}}))
    assert requested.status_code == 403, requested.content
    page = page_client(operator)
    form = page.get(f"/institutions/{home.pk}/edit/")
    assert form.status_code == 200
    assert f'name="{field}"' not in form.content.decode() or "disabled" in form.content.decode().split(f'name="{field}"')[1][:200]
    post = {f: ("on" if v is True else "" if v is False else v) for f, v in before.items() if v is not None}
    post[field] = "on" if REGULATOR_VALUES[field] is True else "" if REGULATOR_VALUES[field] is False else REGULATOR_VALUES[field]
    post = {k: v for k, v in post.items() if v != ""}
    page.post(f"/institutions/{home.pk}/edit/", post)
    assert _snapshot(home) == before
    assert not InstitutionChangeRequest.objects.filter(proposed__has_key=field).exists()


def test_the_operator_changes_nothing_directly_not_even_a_declared_fact(operated):
    home, operator = operated
    with pytest.raises(Forbidden):
        services.institution_update(by=operator, institution=home, data={"capacity": 500})
    got = api_client(operator).patch(f"/api/v1/institutions/{home.pk}/", data=json.dumps({"capacity": 500}),
                                     content_type="application/json")
    assert got.status_code == 403 and Institution.objects.get(pk=home.pk).capacity == 100


def test_a_change_request_approved_by_county_staff_applies(operated, jiangcheng):
    home, operator = operated
    got = api_client(operator).post("/api/v1/institution-change-requests/", content_type="application/json",
                                    data=json.dumps({"institution": home.pk, "reason": "扩建",
                                                     "proposed": {"capacity": 150, "phone": "0662-3111111"}}))
    assert got.status_code == 201, got.content
    change = InstitutionChangeRequest.objects.get(pk=got.json()["id"])
    assert change.proposed == {"capacity": 150, "phone": "0662-3111111"} and change.previous["capacity"] == 100
    assert Institution.objects.get(pk=home.pk).capacity == 100  # nothing changes before approval
    approved = api_client(jiangcheng).post(f"/api/v1/institution-change-requests/{change.pk}/approve/",
                                           content_type="application/json", data=json.dumps({"note": "核实"}))
    assert approved.status_code == 200, approved.content
    inst = Institution.objects.get(pk=home.pk)
    assert (inst.capacity, inst.phone) == (150, "0662-3111111")
    change.refresh_from_db()
    assert change.status == "approved" and change.decided_by == jiangcheng


def test_a_change_request_from_the_console_is_approved_in_the_console(operated, jiangcheng):
    home, operator = operated
    page = page_client(operator)
    form = page.get(f"/institutions/{home.pk}/edit/").content.decode()
    assert "提交变更申请" in form
    post = {"name": home.name, "address": home.address, "capacity": "100", "phone": "", "has_medical_unit": "",
            "reason": "撤销内设医务室"}
    post = {k: v for k, v in post.items() if v != ""}
    got = page.post(f"/institutions/{home.pk}/edit/", post)
    assert got.status_code == 302, got.context["form"].errors
    change = InstitutionChangeRequest.objects.get()
    assert change.proposed == {"has_medical_unit": False}
    listing = page_client(jiangcheng).get("/institutions/changes/").content.decode()
    assert f'data-testid="change-{change.pk}"' in listing and "通过" in listing
    page_client(jiangcheng).post(f"/institutions/changes/{change.pk}/decide/", {"decision": "approve"})
    assert Institution.objects.get(pk=home.pk).has_medical_unit is False


def test_the_requester_cannot_approve_their_own_change_request(operated, jiangcheng):
    home, operator = operated
    change = services.change_request_create(by=operator, institution=home, data={"capacity": 120})
    with pytest.raises(Forbidden):
        services.change_request_decide(by=operator, request=change, approve=True)
    assert api_client(operator).post(f"/api/v1/institution-change-requests/{change.pk}/approve/").status_code == 403
    own = services.change_request_create(by=jiangcheng, institution=home, data={"capacity": 130})
    with pytest.raises(Forbidden, match="申请人不能审核"):
        services.change_request_decide(by=jiangcheng, request=own, approve=True)
    assert Institution.objects.get(pk=home.pk).capacity == 100


def test_county_staff_of_another_county_neither_see_nor_approve_a_change_request(operated, yangxi):
    home, operator = operated
    change = services.change_request_create(by=operator, institution=home, data={"capacity": 120})
    other = api_client(yangxi)
    assert other.get("/api/v1/institution-change-requests/").json()["count"] == 0
    assert other.get(f"/api/v1/institution-change-requests/{change.pk}/").status_code == 404
    assert other.post(f"/api/v1/institution-change-requests/{change.pk}/approve/").status_code == 404
    assert f"change-{change.pk}" not in page_client(yangxi).get("/institutions/changes/").content.decode()
    assert page_client(yangxi).post(f"/institutions/changes/{change.pk}/decide/",
                                    {"decision": "approve"}).status_code == 404
    with pytest.raises(Forbidden):
        services.change_request_decide(by=yangxi, request=change, approve=True)
    change.refresh_from_db()
    assert change.status == "pending" and Institution.objects.get(pk=home.pk).capacity == 100


def test_staff_still_maintain_regulator_fields(jiangcheng, home):
    services.institution_update(by=jiangcheng, institution=home, data={"fire_safety": "passed",
                                                                      "fire_safety_date": dt.date(2026, 1, 2)})
    assert Institution.objects.get(pk=home.pk).fire_safety == "passed"
    page = page_client(jiangcheng)
    assert page.get(f"/institutions/{home.pk}/edit/").status_code == 200
