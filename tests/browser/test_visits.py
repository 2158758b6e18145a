"""Visits in a real browser: a township officer reads last month's visit rate and who was missed; the
community worker's list and the record form on a phone (390×844) and a desktop (1280×800)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yanglao.core.audit import AuditActor, audit_context
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, make_user
from yanglao.visits import plans, selectors, services
from yanglao.visits.defaults import ensure_default_tiers
from yanglao.visits.models import Visit, Visitor

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BEIMEN = "441702001001"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def scene(divisions):  # type: ignore[no-untyped-def]
    from yanglao.people.seeding import seed_people

    ensure_default_tiers()
    make_user(Role.TOWNSHIP_STAFF, "441702001", username="nanen", real_name="冯丽华")
    beimen = make_user(Role.COMMUNITY_WORKER, BEIMEN, username="beimen", real_name="何晓敏")
    with audit_context(actor=AuditActor(user_id=None, username="test")):
        seed_people(40, seed=2027, city=BEIMEN)
    Visitor.objects.create(name="何晓敏", kind="community_worker", division_code=BEIMEN, user=beimen)
    Visitor.objects.create(name="李志强", kind="volunteer", division_code=BEIMEN)
    last = selectors.last_month()
    this = timezone.localdate().replace(day=1)
    plans.generate("441702", last)
    plans.generate("441702", this)
    visits = list(Visit.objects.filter(month=last).order_by("id"))
    for v in visits[: len(visits) // 2]:
        services.visit_record(by=beimen, visit=v, data={
            "method": "home", "visited_at": timezone.make_aware(dt.datetime.combine(v.due_date, dt.time(10))),
            "health": "身体状况稳定", "safety": "无安全隐患"})
    for v in visits[len(visits) // 2: len(visits) // 2 + 2]:
        services.visit_missed(by=beimen, visit=v, reason="hospital", note="在市人民医院住院")
    first = Visit.objects.filter(month=this, visitor__user=beimen).order_by("id").first()
    if first:
        Visit.objects.filter(pk=first.pk).update(due_date=timezone.localdate())
    return {"last": last}


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_a_township_sees_last_months_visit_rate_and_who_was_missed(live_server, page, shot, scene):
    page.set_viewport_size(DESKTOP)
    login(page, live_server, "nanen", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.click("[data-nav=visits]")
    page.wait_for_selector("[data-testid=rate-summary]")
    assert f"{scene['last']:%Y}年{scene['last'].month}月" in page.inner_text("[data-testid=rate-title]")
    assert "%" in page.inner_text("[data-testid=rate-value]")
    assert "北门社区" in page.inner_text("[data-testid=rate-table]")
    shot("60-visits-rate")
    page.click("[data-testid=missed-link]")
    page.wait_for_selector("[data-testid=missed-table]")
    reasons = page.inner_text("[data-testid=missed-table]")
    assert "住院治疗" in reasons and "逾期未记录" in reasons
    shot("61-visits-missed")
    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_selector("[data-testid=missed-table]")
    shot("61-visits-missed-phone")


def test_the_worker_records_a_visit_on_a_phone(live_server, page, shot, scene):
    page.set_viewport_size(PHONE)
    login(page, live_server, "beimen", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.goto(f"{live_server.url}/visits/mine/")
    page.wait_for_selector("[data-testid=worker-list]")
    assert page.locator("[data-testid=visits-today] [data-testid=visit-card]").count() >= 1
    _no_sideways_scroll(page)
    shot("62-visits-worker-list-phone")
    page.locator("[data-testid=visits-today] [data-testid=visit-record]").first.click()
    page.wait_for_selector("[data-testid=record-form]")
    _no_sideways_scroll(page)
    page.check("input[name=method][value=phone]")
    page.fill("#id_health", "腿脚不便，按时服药")
    page.fill("#id_safety", "卫生间地面湿滑")
    page.check("input[name=risks][value=fall]")
    page.select_option("#id_referral_kind", "service_order")
    page.fill("#id_referral_description", "卫生间加装扶手")
    shot("63-visits-record-form-phone")
    page.click("[data-testid=record-save]")
    page.wait_for_selector("[data-testid=record-detail]")
    assert "跌倒风险" in page.inner_text("[data-testid=risks]")
    assert "卫生间加装扶手" in page.inner_text("[data-testid=record-referrals]")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/visits/mine/")
    page.wait_for_selector("[data-testid=worker-list]")
    shot("64-visits-worker-list-desktop")
    page.locator("[data-testid=visit-record]").first.click()
    page.wait_for_selector("[data-testid=record-form]")
    page.click("[data-testid=record-save]")  # nothing filled in: kept, with the reason on the field
    page.wait_for_selector("[data-testid=field-error]")
    assert "请至少填写" in page.inner_text("[data-testid=record-form]")
    shot("65-visits-record-form-desktop")
