"""A home adaptation from application to acceptance in the browser, and a care home's carer logging a visit
to a family care bed on a phone; screenshots at desktop (1280×800) and phone (390×844) size."""

import datetime as dt
import io

import pytest

from yanglao.core.models import Organisation, OrganisationKind
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, make_user

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), (29, 111, 214)).save(out, format="PNG")
    return out.getvalue()


def _fits_phone(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


def test_a_home_adaptation_goes_from_assessment_to_acceptance(live_server, page, shot, new_person, jiangcheng, tmp_path):
    from yanglao.homeadapt.defaults import ensure_defaults

    ensure_defaults()  # transactional tests flush the migration's data
    Organisation.objects.create(name="阳江市安居适老装饰工程有限公司", kind=OrganisationKind.OTHER, division_code="441702001")
    new_person(name="黄秀英", categories=[{"category": "dibao", "valid_from": "2024-01-01"}])
    page.set_viewport_size(DESKTOP)
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.click("[data-testid=homeadapt-panel] >> text=居家适老化改造")  # reached from the workbench
    page.click("text=受理申请")
    page.locator("#id_person").press_sequentially("黄秀英", delay=30)
    page.locator(".picker-results li", has_text="黄秀英").first.click()
    page.fill("#id_request", "卫生间加装扶手，地面防滑")
    page.click("[data-testid=form-submit]")
    page.wait_for_selector("text=已受理")
    page.click("[data-testid=project-actions] >> text=需求评估")
    page.fill("#id_needs", "独居，卫生间无扶手，地面湿滑，夜间如厕曾跌倒")
    rows = page.locator("[data-testid=item-table] tbody tr")
    rows.filter(has_text="卫生间安全扶手").locator("input[name^=qty_]").fill("2")
    rows.filter(has_text="地面防滑处理").locator("input[name^=qty_]").fill("6")
    rows.filter(has_text="感应夜灯").locator("input[name^=qty_]").fill("3")
    bar = rows.filter(has_text="卫生间安全扶手").locator("input[name^=sub_]")
    bar.fill("500")  # above the item's price: refused on the field
    shot("homeadapt-01-assess-desktop")
    page.click("[data-testid=form-submit]")
    page.wait_for_selector("text=超过该项目的价格")
    page.locator("[data-testid=item-table] tbody tr", has_text="卫生间安全扶手").locator("input[name^=sub_]").fill("")
    page.click("[data-testid=form-submit]")
    page.wait_for_selector("text=评估已保存")
    assert page.inner_text("[data-testid=subsidy]") == "¥885.00"  # 低保: 100 % of ¥360 + ¥390 + ¥135 (cap ¥5,000)
    page.click("text=安排施工")
    page.select_option("#id_contractor", label="阳江市安居适老装饰工程有限公司")
    page.click("[data-testid=form-submit]")
    page.wait_for_selector("text=已安排施工")
    bad = tmp_path / "扶手.jpg"
    bad.write_bytes(b"%PDF-1.4 this is not a photo")
    form = page.locator("[data-testid=photo-form]")
    form.locator("#id_kind").select_option("after")
    form.locator("#id_file").set_input_files(str(bad))
    form.locator("button").click()
    page.wait_for_selector("text=不是图片文件")
    good = tmp_path / "改造后.png"
    good.write_bytes(_png())
    form = page.locator("[data-testid=photo-form]")
    form.locator("#id_kind").select_option("after")
    form.locator("#id_caption").fill("扶手已安装")
    form.locator("#id_file").set_input_files(str(good))
    form.locator("button").click()
    page.wait_for_selector("text=照片已上传")
    page.click("[data-testid=project-actions] >> text=报完工")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("text=已报完工")
    page.click("[data-testid=project-actions] >> text=验收")
    page.fill("[data-testid=confirm-comment]", "现场核验：扶手牢固，防滑到位")
    shot("homeadapt-02-accept-desktop")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("text=验收通过，项目已办结")
    assert "扶手牢固" in page.inner_text("[data-testid=acceptance]")
    shot("homeadapt-03-project-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    _fits_phone(page)
    shot("homeadapt-04-project-phone")
    page.goto(f"{live_server.url}/homeadapt/")
    page.wait_for_selector("[data-testid=project-table]")
    _fits_phone(page)
    shot("homeadapt-05-projects-phone")
    page.set_viewport_size(DESKTOP)
    page.reload()
    shot("homeadapt-06-projects-desktop")


def test_a_carer_logs_a_visit_to_a_family_care_bed_on_a_phone(live_server, page, shot, new_person, jiangcheng):
    from yanglao.homeadapt import services
    from yanglao.institutions.models import Institution

    staff = jiangcheng
    org = Organisation.objects.create(name="阳江市江城区社会福利中心", kind=OrganisationKind.INSTITUTION,
                                      division_code="441702001")
    home = Institution.objects.create(name="阳江市江城区社会福利中心", ownership="public", operator=org,
                                      division_code="441702001001", address="北门路9号", capacity=100)
    make_user(Role.INSTITUTION_OPERATOR, None, username="carehome", organisation=org, real_name="莫少芬")
    today = dt.date.today()
    bed = services.care_bed_register(by=staff, person=new_person(name="陈伯"), institution=home,
                                     services=["care", "bath", "health"], visits_per_month=4,
                                     started_on=today - dt.timedelta(days=60))
    page.set_viewport_size(PHONE)
    login(page, live_server, "carehome", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.click("[data-testid=homeadapt-panel] >> text=家庭照护床位")
    page.wait_for_selector("[data-testid=bed-table]")
    assert "0 / 4" in page.inner_text("[data-testid=bed-table]")
    page.click(f"text={bed.number}")
    page.select_option("#id_service", "bath")
    page.fill("#id_carer", "梁玉兰")
    page.fill("#id_note", "协助洗澡、更换衣物")
    page.click("[data-testid=form-submit]")
    page.wait_for_selector("text=服务记录已登记")
    assert "1 / 4" in page.inner_text("[data-testid=month-count]")
    _fits_phone(page)
    shot("homeadapt-07-bed-phone")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/homeadapt/beds/")
    page.wait_for_selector("[data-testid=county-table]")
    assert "江城区" in page.inner_text("[data-testid=county-table]")
    shot("homeadapt-08-beds-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    _fits_phone(page)
    shot("homeadapt-09-beds-phone")
