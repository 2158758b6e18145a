"""A community worker records a service, the older neighbour confirms it and the hours appear; the volunteer
checks the balance on the public page; the workforce pages show skill levels and staffing. Desktop and phone."""

import datetime as dt

import pytest

from tests.timebank.conftest import elder, make_member, scheme, serve  # noqa: F401 - fixtures
from yanglao.core.testing import PASSWORD

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def both(page, shot, name: str) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(DESKTOP)
    shot(f"timebank-{name}-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name  # no sideways scrolling
    shot(f"timebank-{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_a_volunteer_serves_the_neighbour_who_confirms_and_the_hours_appear(live_server, page, shot, jiangcheng,
                                                                            make_member, elder):  # noqa: F811
    from yanglao.timebank import services

    old = elder("黄秀英", "19480302")
    volunteer = make_member(name="李志明", birth="19900101")
    serve(jiangcheng, old, make_member(name="陈国强", birth="19620101"), minutes=150)
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.click("[data-nav=timebank]")
    page.wait_for_selector("[data-testid=timebank-figures]")
    page.click("text=＋ 登记服务需求")
    page.select_option("#id_elder", str(old.pk))
    page.select_option("#id_service_type", "escort")
    page.fill("#id_scheduled_on", "2026-11-28")
    page.fill("#id_description", "陪同到社区卫生服务中心复诊")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=take-form]")
    page.select_option("#id_volunteer", str(volunteer.pk))
    page.click("[data-testid=take-form] button")
    page.wait_for_selector("[data-testid=done-form]")
    page.fill("#id_minutes", "90")
    page.click("[data-testid=done-form] button")
    page.wait_for_selector("[data-testid=verify]")
    both(page, shot, "01-request-done")
    page.click("[data-testid=verify]")
    page.select_option("#id_verified_by", "elder")
    page.fill("[data-testid=confirm-comment]", "老人电话确认服务属实")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("text=已确认，时间已存入")
    assert "1小时30分" in page.inner_text("[data-testid=deposited]")
    page.goto(f"{live_server.url}/timebank/members/{volunteer.pk}/")
    assert page.inner_text("[data-testid=balance]") == "1小时30分"
    both(page, shot, "02-member-statement")
    page.goto(f"{live_server.url}/timebank/")
    both(page, shot, "03-home")
    page.goto(f"{live_server.url}/timebank/requests/")
    both(page, shot, "04-requests")
    # the volunteer looks up the balance on the public page
    page.goto(f"{live_server.url}/public/timebank/")
    assert "陈*强" in page.inner_text("[data-testid=public-board]")
    page.click("[data-testid=timebank-lookup-link]")  # the portal's lookup: card reference + last four
    page.fill("#id_reference", volunteer.public_ref)
    page.fill("#id_factor", volunteer.id_last4)
    page.click("[data-testid=lookup-submit]")
    page.wait_for_selector("[data-testid=lookup-result]")
    assert page.inner_text("[data-testid=lookup-balance]") == "1小时30分"
    both(page, shot, "05-public-lookup")
    services  # noqa: B018


def test_the_workforce_pages_show_levels_training_and_staffing(live_server, page, shot, jiangcheng, new_person):
    from tests.conftest import make_id
    from tests.institutions.conftest import give_care_level
    from yanglao.institutions import services as inst
    from yanglao.institutions.models import Residency
    from yanglao.workforce import services
    from yanglao.workforce.defaults import ensure_defaults

    ensure_defaults()
    home = inst.institution_create(by=jiangcheng, data={"name": "北门颐养院", "ownership": "private",
                                                        "division_code": "441702001001", "address": "北门路1号", "capacity": 60})
    for i, name in enumerate(["陈秀英", "黄丽华", "林美玲", "梁桂芳", "张玉兰"]):
        person = new_person(name=name)
        Residency.objects.create(person=person, institution=home, admitted_on=dt.date(2026, 1, 1), division_code=home.division_code)
        give_care_level(person, 4 if i < 3 else 1, reviewer=jiangcheng)
    cg = services.caregiver_create(by=jiangcheng, data={
        "name": "梁秀珍", "id_number": make_id(birth="19800101", seq="401"), "role": "carer", "institution": home,
        "employed_since": dt.date(2024, 1, 1), "skill_level": 4, "certificate_no": "S44172024000001",
        "certificate_issued_on": dt.date(2024, 3, 1), "certificate_expires_on": dt.date(2027, 3, 1),
        "health_cert_no": "JK001", "health_cert_expires_on": dt.date.today() + dt.timedelta(days=10)})
    course = services.course_create(by=jiangcheng, data={"title": "养老护理员岗前培训", "kind": "induction", "provider": "阳江市技师学院",
                                                         "starts_on": dt.date(2026, 5, 11), "ends_on": dt.date(2026, 5, 16),
                                                         "hours": 40, "places": 40, "division_code": "441702"})
    services.attendance_record(by=jiangcheng, course=course, caregiver=cg, completed=True, passed=True)
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.click("[data-nav=workforce]")
    page.wait_for_selector("[data-testid=training-target]")
    both(page, shot, "10-workforce-home")
    page.goto(f"{live_server.url}/workforce/staffing/")
    assert page.locator(f"[data-testid=below-{home.pk}]").count() == 1
    both(page, shot, "11-staffing")
    page.goto(f"{live_server.url}/workforce/caregivers/{cg.pk}/")
    assert "四级/中级工" in page.inner_text("[data-testid=level]")
    both(page, shot, "12-caregiver")
