# ruff: noqa: F811 - pytest fixtures imported from other conftests are parameters here
"""Consequential actions ask for confirmation and keep a comment with the record (issue 19 item 14):
one action-view shape (core.views.confirm_action) — GET shows what will happen and the record's key
figures and changes nothing; POST calls the service, keeps the comment in the action's audit line and
redirects; a refused action keeps the user on the confirmation page with the message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.assessments.conftest import assessor1, assessor2, workflow  # noqa: F401 - fixtures
from tests.benefits.conftest import age_allowance, city_checker, older, run_month  # noqa: F401 - fixtures
from tests.institutions.conftest import give_care_level, home, rate  # noqa: F401 - fixtures
from tests.people.conftest import new_person  # noqa: F401 - fixture
from yanglao.core.models import AuditAction, AuditEntry
from yanglao.core.testing import page_client

pytestmark = pytest.mark.django_db

MAY = dt.date(2026, 5, 1)


def comment_line(obj) -> AuditEntry | None:
    return (AuditEntry.objects.filter(action=AuditAction.UPDATE, object_type=obj._meta.label_lower,
                                      object_id=str(obj.pk), extra__has_key="comment").order_by("-id").first())


def test_approving_a_payment_run_shows_its_total_and_count_then_keeps_the_comment(
        city_admin, city_checker, age_allowance, older, run_month):  # noqa: F811
    older("19400101"), older("19300101")
    run = run_month(city_admin, age_allowance, MAY)
    client = page_client(city_checker)
    page = client.get(f"/benefits/runs/{run.pk}/approve/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "高龄津贴" in html and "2026年05月" in html and f"{run.total_amount:,.2f} 元" in html
    assert 'data-testid="confirm-comment"' in html
    run.refresh_from_db()
    assert run.status == "preview"  # the confirmation page changes nothing
    got = client.post(f"/benefits/runs/{run.pk}/approve/", {"comment": "人数与上月核对无误"})
    assert got.status_code == 302 and got.url == f"/benefits/runs/{run.pk}/"
    run.refresh_from_db()
    assert run.status == "approved"
    line = comment_line(run)
    assert line.extra["comment"] == "人数与上月核对无误" and line.extra["action"] == "审核通过发放批次"


def test_a_refused_approval_keeps_the_confirmation_page_with_the_message(city_admin, age_allowance, older,
                                                                          run_month):  # noqa: F811
    older("19400101")
    run = run_month(city_admin, age_allowance, MAY)
    # The preparer may not sign their own run: the service refuses and the page stays, with the reason.
    got = page_client(city_admin).post(f"/benefits/runs/{run.pk}/approve/", {"comment": "自己审核"})
    assert got.status_code == 400
    html = got.content.decode()
    assert 'data-testid="confirm-error"' in html and 'data-testid="confirm-page"' in html
    assert "自己审核" in html  # the comment typed is still there
    run.refresh_from_db()
    assert run.status == "preview" and comment_line(run) is None


def test_cancelling_a_run_needs_a_reason_and_keeps_it(city_admin, age_allowance, older, run_month):  # noqa: F811
    older("19400101")
    run = run_month(city_admin, age_allowance, MAY)
    client = page_client(city_admin)
    empty = client.post(f"/benefits/runs/{run.pk}/cancel/", {"comment": " "})
    assert empty.status_code == 400 and "请填写作废原因" in empty.content.decode()
    run.refresh_from_db()
    assert run.status == "preview"
    got = client.post(f"/benefits/runs/{run.pk}/cancel/", {"comment": "标准文件有更新，重新核算"})
    assert got.status_code == 302
    run.refresh_from_db()
    assert run.status == "cancelled" and comment_line(run).extra["comment"] == "标准文件有更新，重新核算"


def test_approving_an_assessment_is_confirmed_with_its_level_and_comment(workflow, new_person,
                                                                          jiangcheng):  # noqa: F811
    a = workflow(new_person(), until="submitted", total=50)
    client = page_client(jiangcheng)
    html = client.get(f"/assessments/{a.pk}/approve/").content.decode()
    assert "能力中度受损" in html and "吴志坚" in html
    a.refresh_from_db()
    assert a.status == "submitted"
    assert client.post(f"/assessments/{a.pk}/approve/", {"comment": "同意"}).status_code == 302
    a.refresh_from_db()
    assert a.status == "approved" and comment_line(a).extra["comment"] == "同意"


def test_returning_an_assessment_needs_the_reason_which_is_kept(workflow, new_person, jiangcheng):  # noqa: F811
    a = workflow(new_person(), until="submitted", total=50)
    client = page_client(jiangcheng)
    refused = client.post(f"/assessments/{a.pk}/reject/", {"reason": ""})
    assert refused.status_code == 400 and "请填写退回原因" in refused.content.decode()
    assert client.post(f"/assessments/{a.pk}/reject/", {"reason": "第12项评分与描述不符"}).status_code == 302
    a.refresh_from_db()
    assert a.status == "rejected" and a.rejection_reason == "第12项评分与描述不符"
    assert comment_line(a).extra["comment"] == "第12项评分与描述不符"


def test_admitting_from_an_offer_is_confirmed_and_keeps_the_comment(home, jiangcheng, new_person):  # noqa: F811
    from yanglao.admissions.defaults import ensure_default_rules
    from yanglao.admissions.services import application_create, offer_bed
    from yanglao.institutions.models import Residency

    ensure_default_rules()
    person = new_person()
    give_care_level(person, 2, reviewer=jiangcheng)
    app = application_create(by=jiangcheng, person=person, institution=home)
    offer = offer_bed(by=jiangcheng, application=app, bed=home.beds.first())
    client = page_client(jiangcheng)
    html = client.get(f"/admissions/offers/{offer.pk}/accept/").content.decode()
    assert app.number in html and home.name in html and "101" in html
    assert not Residency.objects.filter(person=person).exists()
    got = client.post(f"/admissions/offers/{offer.pk}/accept/", {"comment": "家属陪同办理"})
    assert got.status_code == 302
    assert Residency.objects.filter(person=person, discharged_on__isnull=True).exists()
    assert comment_line(offer).extra["comment"] == "家属陪同办理"


def test_admitting_without_a_valid_assessment_stays_on_the_page_with_the_reason(home, jiangcheng,
                                                                                  new_person):  # noqa: F811
    from yanglao.admissions.defaults import ensure_default_rules
    from yanglao.admissions.services import application_create, offer_bed

    ensure_default_rules()
    person = new_person()
    app = application_create(by=jiangcheng, person=person, institution=home)
    offer = offer_bed(by=jiangcheng, application=app, bed=home.beds.first())
    got = page_client(jiangcheng).post(f"/admissions/offers/{offer.pk}/accept/", {"comment": ""})
    assert got.status_code == 400 and "能力评估" in got.content.decode()


def test_discharging_a_resident_is_confirmed_with_a_date_and_reason(home, jiangcheng, new_person):  # noqa: F811
    from yanglao.institutions.models import Residency

    person = new_person()
    bed = home.beds.first()
    residency = Residency.objects.create(person=person, institution=home, bed=bed, admitted_on=dt.date(2025, 1, 1),
                                         division_code=home.division_code)
    client = page_client(jiangcheng)
    url = f"/institutions/{home.pk}/residents/{residency.pk}/discharge/"
    assert person.name in client.get(url).content.decode()
    assert f'data-testid="discharge-{residency.pk}"' in client.get(f"/institutions/{home.pk}/").content.decode()
    bad = client.post(url, {"on": "2024-12-31", "reason": "回家居住"})  # before admission: refused by the service
    assert bad.status_code == 400 and "离院日期不能早于入住日期" in bad.content.decode()
    got = client.post(url, {"on": "2026-11-20", "reason": "回家居住", "comment": "子女接回"})
    assert got.status_code == 302
    residency.refresh_from_db()
    assert residency.discharged_on == dt.date(2026, 11, 20) and residency.discharge_reason == "回家居住"
    assert comment_line(residency).extra["comment"] == "子女接回"


def test_approving_an_operating_subsidy_is_confirmed_with_its_total(home, rate, jiangcheng, city_admin,
                                                                     new_person):  # noqa: F811
    from yanglao.core.roles import Role
    from yanglao.core.testing import make_user
    from yanglao.institutions import services
    from yanglao.institutions.models import Residency

    person = new_person()
    give_care_level(person, 2, reviewer=jiangcheng, days_ago=60)
    Residency.objects.create(person=person, institution=home, bed=home.beds.first(), admitted_on=dt.date(2025, 1, 1),
                             division_code=home.division_code)
    run = services.operating_compute(by=jiangcheng, month=dt.date(2026, 10, 1))
    assert run.total > Decimal("0")
    approver = next(u for u in (city_admin, make_user(Role.COUNTY_STAFF, "441702", username="jc-approver"))
                    if u.can("institutions.subsidy_approve"))
    client = page_client(approver)
    html = client.get(f"/institutions/subsidies/{run.pk}/approve/").content.decode()
    assert f"{run.total:,.2f} 元" in html
    assert client.post(f"/institutions/subsidies/{run.pk}/approve/", {"comment": "已核对名单"}).status_code == 302
    run.refresh_from_db()
    assert run.status == "approved" and comment_line(run).extra["comment"] == "已核对名单"


def test_an_enrolment_is_decided_on_a_confirmation_page_and_refusing_needs_a_reason(city_admin, jiangcheng, older):
    from yanglao.benefits import services as benefits

    p = benefits.programme_create(by=city_admin, code="huli", name="护理补贴", kind="subsidy",
                                  legal_basis="阳民〔2025〕3号", band_basis="flat", enrolment_mode="application")
    first = benefits.enrolment_apply(by=jiangcheng, person=older("19500101"), programme=p, from_month=MAY)
    second = benefits.enrolment_apply(by=jiangcheng, person=older("19510101"), programme=p, from_month=MAY)
    client = page_client(city_admin)
    html = client.get(f"/benefits/enrolments/{first.pk}/decide/?approve=1").content.decode()
    assert "护理补贴" in html and "2026年05月" in html and 'data-testid="confirm-page"' in html
    first.refresh_from_db()
    assert first.status == "applied"
    assert client.post(f"/benefits/enrolments/{first.pk}/decide/?approve=1", {"comment": "材料齐全"}).status_code == 302
    first.refresh_from_db()
    assert first.status == "approved" and comment_line(first).extra["comment"] == "材料齐全"
    refused = client.post(f"/benefits/enrolments/{second.pk}/decide/?approve=0", {"comment": ""})
    assert refused.status_code == 400 and "不予通过的原因" in refused.content.decode()
    assert client.post(f"/benefits/enrolments/{second.pk}/decide/?approve=0", {"comment": "户籍不在本市"}).status_code == 302
    second.refresh_from_db()
    assert second.status != "approved" and comment_line(second).extra["comment"] == "户籍不在本市"
