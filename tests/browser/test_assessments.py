"""An assessor fills the home-visit form on a phone-sized screen and submits; county staff approves;
the person's record shows the care level at once."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.assessments.conftest import items_with_total
from tests.conftest import make_id
from yanglao.assessments import services
from yanglao.assessments.choices import Status
from yanglao.assessments.models import Assessment
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, make_user
from yanglao.people.services import person_create

from .conftest import SHOTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_assessor_fills_the_form_on_a_phone_and_staff_approves(live_server, page, shot):
    staff = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng", real_name="林秀珍")
    assessor1 = make_user(Role.ASSESSOR, "441702", username="assessor1", real_name="吴志坚")
    assessor2 = make_user(Role.ASSESSOR, "441702", username="assessor2", real_name="郑美玲")
    person = person_create(by=staff, data={"name": "陈秀英", "id_number": make_id(seq="201"),
                                           "division_code": "441702001001", "address": "北门路1号",
                                           "living_situation": "alone"})
    a = services.assessment_request(by=staff, person=person)
    services.assessment_schedule(by=staff, assessment=a, assessor_1=assessor1, assessor_2=assessor2,
                                 scheduled_on=dt.date(2026, 11, 25), place="北门路1号")

    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "assessor1", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.goto(f"{live_server.url}/assessments/")
    page.click(f"a[href='/assessments/{a.pk}/']")
    page.click("[data-testid=record-link]")
    page.wait_for_selector("[data-testid=record-form]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    shot("assessment-01-phone-form-empty")

    items = items_with_total(52)
    for code, value in items.items():
        option = page.locator(f"input[name='item-{code}'][value='{value}']")
        option.scroll_into_view_if_needed()
        box = option.locator("xpath=..").bounding_box()
        assert box is not None and box["height"] >= 44, f"{code}: touch target {box}"
        option.check()
    page.fill("#diagnoses", "I63.9")
    page.select_option("[data-testid=risk-fall]", "1")
    page.wait_for_selector("[data-testid=preview-total]:has-text('52')")
    assert "2级" in page.inner_text("[data-testid=preview-level]")
    page.locator("fieldset[data-item='B2.3']").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "assessment-02-phone-form-viewport.png"))  # what the assessor sees
    shot("assessment-02-phone-form-filled")

    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=assessment-status]:has-text('待审核')")
    assert "能力中度受损" in page.inner_text("[data-testid=assessment-level]")
    assert page.locator("[data-testid=approve]").count() == 0  # an assessor cannot review
    shot("assessment-03-phone-submitted")
    assert Assessment.objects.get(pk=a.pk).status == Status.SUBMITTED

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1366, "height": 860})
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.goto(f"{live_server.url}/people/{person.pk}/")
    assert "暂无有效的能力评估结果" in page.inner_text("[data-testid=care-level-card]")
    page.goto(f"{live_server.url}/assessments/{a.pk}/")
    shot("assessment-04-review")
    page.click("[data-testid=approve]")
    page.fill("[data-testid=confirm-comment]", "评估表完整，同意")
    shot("assessment-04b-confirm-approval")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("[data-testid=assessment-status]:has-text('已审核')")
    page.goto(f"{live_server.url}/people/{person.pk}/")
    card = page.inner_text("[data-testid=care-level-card]")
    assert "2级" in card and "能力中度受损（中度失能）" in card
    shot("assessment-05-person-record-care-level")
