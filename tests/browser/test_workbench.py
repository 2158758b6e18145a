"""The workbench in a real browser: each role opens on its to-do list; the assessor's phone shows the
visits of today and this week as cards with large tap targets and no sideways scrolling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.core.test_workbench import JC, assessment, person
from yanglao.admissions.models import Application, Offer
from yanglao.benefits.models import Enrolment, PaymentRun, Programme
from yanglao.core.models import Organisation
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, make_user
from yanglao.institutions import services as inst_services
from yanglao.institutions.models import InstitutionChangeRequest, Residency
from yanglao.people.models import ImportJob

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scenario(divisions):  # noqa: ARG001
    now, today = timezone.now(), timezone.localdate()
    make_user(Role.CITY_ADMIN, "4417", username="city", real_name="陈志明")
    city2 = make_user(Role.CITY_ADMIN, "4417", username="city2", real_name="李建华")
    jc = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng", real_name="林秀珍")
    nanen = make_user(Role.TOWNSHIP_STAFF, "441702001", username="nanen", real_name="黄丽娟")
    a1 = make_user(Role.ASSESSOR, "441702", username="assessor1", real_name="吴志坚")
    a2 = make_user(Role.ASSESSOR, "441702", username="assessor2", real_name="郑美玲")
    names = iter(["黄秀英", "林桂芳", "陈亚婆", "梁月娥", "周玉兰", "何伟明", "冯淑珍", "谭国强", "蔡金莲", "许少华"])
    visits = [(0, "家中"), (0, "北门社区日间照料中心"), (1, "家中"), (3, "家中"), (6, "家中")]
    for i, (days, place) in enumerate(visits):
        p = person(jc, name=next(names), birth=f"19{38 + i}0{i + 1}12", address=f"北门路{12 + i}号{i + 1}栋")
        assessment(p, "in_progress" if i == 1 else "scheduled", a1, a2, scheduled_on=today + dt.timedelta(days=days),
                   place=place)
    for _ in range(2):
        assessment(person(jc, name=next(names)), "submitted", a1, a2, submitted_at=now - dt.timedelta(days=9))
    for days in (-12, -3, 15):
        assessment(person(jc, name=next(names)), "approved", level=2, base_level=2, total=50, reviewer=jc,
                   approved_at=now, valid_from=today - dt.timedelta(days=380), valid_until=today + dt.timedelta(days=days))
    programme = Programme.objects.create(code="gaoling", name="高龄津贴", kind="allowance")
    PaymentRun.objects.create(programme=programme, month=today.replace(day=1), status="preview", prepared_by=city2,
                              prepared_at=now - dt.timedelta(days=1))
    Enrolment.objects.create(person=person(jc, name="罗亚娣"), programme=programme, from_month=today.replace(day=1),
                             applied_by=nanen, division_code=JC)
    ImportJob.objects.create(created_by=nanen, division_code="441702001", error_rows=4, filename="南恩街道花名册.xlsx",
                             file_path="x", file_sha256="0" * 64, status="done", finished_at=now - dt.timedelta(days=2))
    org = Organisation.objects.create(name="阳江市江城区社会福利中心", kind="institution")
    home = inst_services.institution_create(by=jc, data={
        "name": "阳江市江城区社会福利中心", "ownership": "public", "division_code": JC, "address": "北门路9号",
        "capacity": 120, "accepts_public_admission": True})
    home.operator = org
    home.save()
    beds = inst_services.beds_add(by=jc, institution=home, building="1号楼", floor="1", rooms=["101", "102", "103"],
                                  beds_per_room=2, bed_type="nursing")
    resident = person(jc, name="邓桂英")
    Residency.objects.create(person=resident, institution=home, bed=beds[0], admitted_on=today - dt.timedelta(days=90),
                             division_code=JC)
    beds[0].status = "occupied"
    beds[0].save()
    app = Application.objects.create(number="JC2026-0001", person=person(jc, name="苏炳坤"), institution=home,
                                     applied_at=now - dt.timedelta(days=20), priority_rank=1, priority_name="特困",
                                     division_code=JC, institution_division_code=JC)
    Offer.objects.create(application=app, bed=beds[1], offered_by=jc, offered_at=now - dt.timedelta(days=4),
                         respond_by=today - dt.timedelta(days=1), division_code=JC)
    operator = make_user(Role.INSTITUTION_OPERATOR, "", username="carehome", real_name="钟慧敏", organisation=org)
    InstitutionChangeRequest.objects.create(institution=home, proposed={"phone": "0662-3300000"},
                                            requested_by=operator, division_code=JC)
    return {"today": today}


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_each_role_opens_on_its_todo_list(live_server, browser, scenario, shot):
    for username, expected in (
        ("city", ["逾期未复评", "待复核的发放批次"]),
        ("jiangcheng", ["逾期未复评", "待审核的评估", "待审核的享受申请", "待审核的机构信息变更", "有错误行的导入"]),
        ("carehome", ["床位安排待答复"]),
    ):
        context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
        page = context.new_page()
        login(page, live_server, username, PASSWORD)
        page.wait_for_selector("[data-testid=todo-list]")
        text = page.inner_text("[data-testid=todo-list]")
        for label in expected:
            assert label in text, (username, label)
        first = page.locator(".todo").first
        assert "urgent" in (first.get_attribute("class") or "")  # overdue first, in red
        if username == "carehome":
            cards = page.inner_text("[data-testid=workbench-cards]")
            assert "在住老人" in cards and "空床" in cards and "在册老年人" not in cards
        shot(f"workbench-{username}", page)
        if username == "jiangcheng":  # the same list on a phone: one column, nothing wider than the screen
            page.set_viewport_size({"width": 390, "height": 844})
            _no_sideways_scroll(page)
            shot("workbench-jiangcheng-phone", page)
        # every to-do link opens (no 403, no error page)
        for href in page.eval_on_selector_all(".todo a", "els => els.map(e => e.getAttribute('href'))"):
            response = page.goto(live_server.url + href)
            assert response is not None and response.status == 200, (username, href)
        context.close()


def test_the_assessors_phone_shows_todays_and_this_weeks_visits(live_server, browser, scenario, shot):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    page = context.new_page()
    login(page, live_server, "assessor1", PASSWORD)
    page.wait_for_selector("[data-testid=assessor-visits]")
    today_cards = page.locator("[data-testid=visits-today] [data-testid=visit-card]")
    week_cards = page.locator("[data-testid=visits-week] [data-testid=visit-card]")
    assert today_cards.count() == 2 and week_cards.count() == 3
    card = today_cards.first
    assert "岁" in card.inner_text() and "北门社区" in card.inner_text() and "139******78" in card.inner_text()
    for target in (card.locator("[data-testid=visit-call]"), card.locator(".visit-open")):
        box = target.bounding_box()
        assert box is not None and box["height"] >= 44  # a thumb, not a mouse
    _no_sideways_scroll(page)
    shot("workbench-assessor1-phone", page)
    card.locator(".visit-open").click()
    page.wait_for_url("**/record/")
    context.close()
