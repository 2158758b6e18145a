"""A county officer registers a care home, its beds and star rating; an applicant checks the queue."""

import pytest

from yanglao.admissions import services as admissions
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, make_user

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_county_officer_registers_a_home_with_beds_and_a_star_rating(live_server, page, shot):
    make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng", real_name="林秀珍")
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.click("[data-nav=institutions]")
    page.click("text=登记机构")
    page.fill("#id_name", "江城区颐年护养院")
    page.select_option("#id_ownership", "public")
    page.locator("#id_division_code").press_sequentially("北门", delay=30)  # picked by name, not by code
    page.locator(".picker-results li", has_text="北门社区").first.click()
    page.fill("#id_address", "江城区北门路18号")
    page.fill("#id_capacity", "120")
    page.check("#id_is_tekun_home")
    page.check("#id_mainly_disabled_tekun")
    page.check("#id_accepts_public_admission")
    page.check("#id_has_medical_unit")
    page.select_option("#id_fire_safety", "passed")
    shot("20-institution-form")
    page.click("button:has-text('保存')")
    page.wait_for_selector("[data-testid=institution-name]")
    form = page.locator("[data-testid=beds-form]")
    form.locator("#id_rooms").fill("101-106")
    form.locator("#id_beds_per_room").fill("2")
    form.locator("#id_bed_type").select_option("nursing")
    form.locator("button").click()
    page.wait_for_selector("text=已新增 12 张床位")
    star = page.locator("[data-testid=star-form]")
    star.locator("#id_environment").fill("100")
    star.locator("#id_facilities").fill("110")
    star.locator("#id_operations").fill("125")
    star.locator("#id_service").fill("480")
    star.locator("button").click()
    page.wait_for_selector("text=评定结果：总分 815，四星级")
    assert "四星级" in page.inner_text("[data-testid=star]")
    shot("21-institution-detail")
    page.goto(f"{live_server.url}/institutions/stats/")
    page.wait_for_selector("[data-testid=county-targets]")
    assert "已达标" in page.inner_text("[data-testid=county-targets]")
    shot("22-institution-stats")


def test_applicant_sees_their_position_on_the_public_page(live_server, page, shot, new_person, jiangcheng):
    from yanglao.admissions.defaults import ensure_default_rules
    from yanglao.institutions import services as inst

    ensure_default_rules()  # transactional tests flush the migration's data
    staff = jiangcheng
    home = inst.institution_create(by=staff, data={"name": "江城区社会福利中心", "ownership": "public",
                                                   "division_code": "441702001001", "address": "x",
                                                   "accepts_public_admission": True})
    admissions.application_create(by=staff, person=new_person(name="陈大文"), institution=home)
    tekun = new_person(name="黄秀英", categories=[{"category": "tekun", "valid_from": "2024-01-01"}])
    app = admissions.application_create(by=staff, person=tekun, institution=home)
    page.goto(f"{live_server.url}/public/admissions/")
    page.click("[data-testid=queue-lookup-link]")  # the portal's lookup: public reference + date of birth
    page.fill("#id_reference", app.public_ref)
    page.fill("#id_factor", tekun.birth_date.isoformat())
    page.click("[data-testid=lookup-submit]")
    page.wait_for_selector("[data-testid=position]")
    assert "第 1 位（共 2 人轮候）" in page.inner_text("[data-testid=position]")
    shot("23-public-queue-lookup")
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.goto(f"{live_server.url}/admissions/?institution={home.pk}")
    page.wait_for_selector("[data-testid=queue]")
    assert page.locator("[data-testid=queue] tbody tr").first.inner_text().find("特困供养人员") >= 0
    shot("24-admission-queue")
