"""What a visit sets in motion outside the visits module: a referral files the home-care order or the subsidy
application it asks for and is closed when that record finishes; a registry change that is a major change
(a new living situation, a new category) schedules the 24-hour visit by itself; the missed list downloads."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from yanglao.core.errors import ValidationFailed
from yanglao.core.models import AuditEntry
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client
from yanglao.people import services as people_services
from yanglao.people.validation import CategoryInput
from yanglao.visits import selectors, services
from yanglao.visits.models import Visit

from .conftest import BEIMEN

pytestmark = pytest.mark.django_db


def _record(person, visitor, beimen):  # type: ignore[no-untyped-def]
    visitor("何晓敏", user=beimen)
    chen = person(living="alone", name="陈秀英")
    visit = services.report_major_change(by=beimen, person=chen, note="出院回家")
    return chen, services.visit_record(by=beimen, visit=visit, data={
        "method": "home", "visited_at": timezone.now() - dt.timedelta(hours=1), "health": "术后行动不便",
        "economic": "", "safety": "", "living_conditions": "", "needs": "需要助浴", "risks": []})


def _item():  # type: ignore[no-untyped-def]
    from yanglao.homecare.models import ServiceItem

    return ServiceItem.objects.create(code="ZY-01", name="助浴", kind="care", unit="visit", price_fen=6000,
                                      valid_from=dt.date(2024, 1, 1), published=True)


def _programme():  # type: ignore[no-untyped-def]
    from yanglao.benefits.models import Programme

    return Programme.objects.create(code="care-subsidy", name="护理补贴", kind="subsidy", legal_basis="阳民〔2024〕1号",
                                    enrolment_mode="application")


def test_a_service_order_referral_files_the_order_and_closes_when_the_order_is_done(person, visitor, beimen, nanen):
    chen, rec = _record(person, visitor, beimen)
    ref = services.referral_open(by=beimen, record=rec, kind="service_order", description="需要每周助浴一次")
    item = _item()
    with pytest.raises(ValidationFailed):  # which service, on which day: the handler must say
        services.referral_accept(by=nanen, referral=ref, data={})
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    ref = services.referral_accept(by=nanen, referral=ref, data={"item": item, "service_date": tomorrow})
    order = ref.linked_order
    assert ref.status == "accepted" and order.person_id == chen.pk and order.item_id == item.pk
    assert order.service_date == tomorrow and order.status == "requested" and "探访转介" in order.request_note

    assert services.referrals_follow() == 0  # the order is still open: the referral stays 办理中
    order.status = "completed"
    order.save()
    call_command("visits_daily", stdout=io.StringIO())
    ref.refresh_from_db()
    assert ref.status == "closed" and ref.outcome == "已上门服务（工单已完成）" and ref.closed_at is not None
    assert services.referrals_follow() == 0  # idempotent
    assert AuditEntry.objects.filter(object_type="visits.referral", extra__operation="follow_linked").count() == 1


def test_a_subsidy_referral_files_the_application_on_its_confirmation_page(person, visitor, beimen, nanen):
    _chen, rec = _record(person, visitor, beimen)
    ref = services.referral_open(by=beimen, record=rec, kind="subsidy", description="符合护理补贴条件，未申请")
    programme = _programme()
    client = page_client(nanen)
    page = client.get(f"/visits/referrals/{ref.pk}/accept/").content.decode()
    assert "护理补贴" in page  # the programme is offered on the confirmation page
    response = client.post(f"/visits/referrals/{ref.pk}/accept/",
                           {"comment": "", "programme": programme.pk, "from_month": timezone.localdate().isoformat()})
    assert response.status_code == 302
    ref.refresh_from_db()
    assert ref.status == "accepted" and ref.linked_enrolment.programme_id == programme.pk
    assert ref.linked_enrolment.status == "applied"
    listing = client.get("/visits/referrals/?status=open").content.decode()
    assert "护理补贴 · 待审核" in listing  # the referral shows where its application stands

    from yanglao.benefits import services as benefit_services

    county = make_user(Role.COUNTY_STAFF, "441702")
    benefit_services.enrolment_decide(by=county, enrolment=ref.linked_enrolment, approve=False, note="收入超标")
    assert services.referrals_follow() == 1
    ref.refresh_from_db()
    assert ref.status == "closed" and ref.outcome == "补贴申请未通过"


def test_a_new_living_situation_schedules_the_change_visit_within_24_hours(
        person, visitor, beimen, nanen, django_capture_on_commit_callbacks):
    visitor("何晓敏", user=beimen)
    wang = person(living="with_spouse", name="王桂兰")
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        people_services.person_update(by=nanen, person=wang, data={"living_situation": "alone"})
    visit = Visit.objects.get(person=wang, kind="change")
    assert visit.change_note == "登记信息变更：居住状况变更为“独居”（原为“与配偶同住”）"
    assert before + dt.timedelta(hours=23) < visit.due_by <= timezone.now() + dt.timedelta(hours=24)
    assert visit.visitor.name == "何晓敏" and visit.status == "planned"

    # a second change while that visit still waits adds none; an unrelated change adds none
    with django_capture_on_commit_callbacks(execute=True):
        people_services.category_add(by=nanen, person=wang, item=CategoryInput(
            category="dibao", valid_from=dt.date(2026, 1, 1), document_no="阳民低〔2026〕3号"))
        people_services.person_update(by=nanen, person=wang, data={"address": "北门路1号之二"})
    assert Visit.objects.filter(person=wang, kind="change").count() == 1


def test_a_change_for_someone_outside_the_visit_population_schedules_nothing(
        person, nanen, django_capture_on_commit_callbacks):
    li = person(living="with_children", name="李伯")  # no tier selects them before or after
    with django_capture_on_commit_callbacks(execute=True):
        people_services.person_update(by=nanen, person=li, data={"living_situation": "with_spouse"})
    assert not Visit.objects.filter(person=li).exists()


def test_a_new_category_is_a_major_change_too(person, visitor, beimen, nanen, django_capture_on_commit_callbacks):
    visitor("何晓敏", user=beimen)
    lin = person(living="alone", name="林伯")
    with django_capture_on_commit_callbacks(execute=True):
        people_services.category_add(by=nanen, person=lin, item=CategoryInput(
            category="severe_disability", valid_from=dt.date(2026, 1, 1), document_no="残联证明", disability_grade=1))
    visit = Visit.objects.get(person=lin, kind="change")
    assert "人员类别变更为“重度残疾”" in visit.change_note


def test_the_missed_list_downloads_as_a_spreadsheet_and_the_download_is_audited(person, visitor, beimen, nanen):
    from yanglao.visits import plans

    visitor("何晓敏", user=beimen)
    person(living="alone", name="陈秀英")
    person(living="alone", name="黄桂芳", community="441702002001")  # another township: not in 南恩's list
    month = selectors.last_month()
    plans.generate("441702", month)
    response = page_client(nanen).get(f"/visits/missed/export/?month={month:%Y-%m}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and [r[0] for r in rows[1:]] == ["陈秀英"]
    assert rows[1][2] == "北门社区" and rows[1][3] == BEIMEN and rows[1][8] == "逾期未记录（未登记原因）"
    line = AuditEntry.objects.filter(action="export", object_type="visits.visit").get()
    assert line.extra["count"] == 1 and line.actor_id == nanen.pk


def test_typed_text_in_the_missed_list_download_stays_text_never_a_formula(person, visitor, beimen, nanen):
    from yanglao.visits import plans

    visitor('=HYPERLINK("http://x.cn")', user=beimen)
    person(living="alone", name="陈秀英")
    month = selectors.last_month()
    plans.generate("441702", month)
    content = page_client(nanen).get(f"/visits/missed/export/?month={month:%Y-%m}").content
    cell = load_workbook(io.BytesIO(content)).active["F2"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"  # a string cell, not a formula
