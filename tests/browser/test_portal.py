"""The public portal in a real browser at phone size (issue 15, items 1, 4, 6): the daughter's errand —
care homes in her mother's township with a nursing bed free, their star levels and inspection results, the
subsidies, her mother's place on the waiting list — and the reading modes remembered from page to page."""

import pytest

from yanglao.core.publicref import display

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def world(jiangcheng, new_person):
    from yanglao.admissions import services as admissions
    from yanglao.admissions.defaults import ensure_default_rules
    from yanglao.institutions import services as inst
    from yanglao.portal.models import InstitutionListing, PolicyText

    ensure_default_rules()
    home = inst.institution_create(by=jiangcheng, data={
        "name": "江城区社会福利中心", "ownership": "public", "division_code": "441702001001", "address": "北门路9号",
        "capacity": 100, "accepts_public_admission": True, "has_medical_unit": True})
    inst.beds_add(by=jiangcheng, institution=home, building="1号楼", floor="1", rooms=["101", "102"], beds_per_room=2,
                  bed_type="nursing")
    InstitutionListing.objects.create(institution=home, price_min=1800, price_max=4200)
    PolicyText.objects.create(kind="subsidy", title="高龄津贴", audience="年满80周岁的老年人",
                              summary="满80岁每月领取，不用申请。", document_title="阳江市加快推进养老服务发展若干措施",
                              document_no="阳府办〔2020〕演示号")
    admissions.application_create(by=jiangcheng, person=new_person(name="陈大文"), institution=home)
    mother = new_person(name="黄秀英")
    app = admissions.application_create(by=jiangcheng, person=mother, institution=home)
    return {"home": home, "app": app, "mother": mother}


def test_the_daughter_finds_homes_reads_subsidies_and_checks_the_queue_on_her_phone(live_server, browser, shot, world):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/public/")
    shot("portal-01-home-phone", page)
    page.click("[data-testid=nav-homes]")
    page.select_option("#f-county", "441702")
    page.select_option("#f-township", "441702001")
    page.check("[data-testid=f-nursing]")
    page.click("[data-testid=f-submit]")
    card = page.locator("[data-testid=home-card]").first
    assert "江城区社会福利中心" in card.inner_text() and "南恩街道" in card.inner_text()
    assert card.locator("[data-testid=nursing-vacant]").inner_text() == "4"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    shot("portal-02-homes-phone", page)
    card.locator("h2 a").click()
    page.wait_for_selector("[data-testid=detail-inspections]")
    assert "1,800 – 4,200" in page.inner_text("main")
    shot("portal-03-home-detail-phone", page)
    page.goto(f"{live_server.url}/public/policies/")
    assert "满80岁每月领取" in page.inner_text("main") and "阳府办〔2020〕演示号" in page.inner_text("main")
    page.goto(f"{live_server.url}/public/lookup/")
    page.fill("#id_reference", display(world["app"].public_ref).lower())
    page.fill("#id_factor", world["mother"].birth_date.strftime("%Y-%m-%d"))
    page.click("[data-testid=lookup-submit]")
    page.wait_for_selector("[data-testid=lookup-result]")
    assert "第 2 位（共 2 人轮候）" in page.inner_text("[data-testid=position]")
    assert page.inner_text("[data-testid=lookup-name]") == "黄*英" and "黄秀英" not in page.content()
    shot("portal-04-lookup-phone", page)
    context.close()


def test_large_text_and_high_contrast_are_remembered_from_page_to_page(live_server, browser, shot, world):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/public/homes/")
    before = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main h1')).fontSize)")
    large = page.locator("[data-testid=mode-large]")
    box = large.bounding_box()
    assert box and box["height"] >= 48  # a thumb-sized target
    large.click()
    page.click("[data-testid=mode-contrast]")
    assert large.get_attribute("aria-pressed") == "true"
    page.click("[data-testid=nav-homes]")
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.className").split() == ["pt-large", "pt-contrast"]
    after = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main h1')).fontSize)")
    assert after >= before * 1.2
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(0, 0, 0)"
    assert page.get_attribute("[data-testid=mode-contrast]", "aria-pressed") == "true"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    shot("portal-05-large-contrast-phone", page)
    # landmarks and language for screen readers
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.locator("main#main").count() == 1 and page.locator("nav[aria-label]").count() >= 1
    page.set_viewport_size(DESKTOP)
    page.click("[data-testid=mode-large]")
    page.click("[data-testid=mode-contrast]")
    page.reload()
    assert page.evaluate("document.documentElement.className").strip() == ""
    shot("portal-06-homes-desktop", page)
    context.close()
