"""Done means, in the browser: last month's death list is uploaded and reviewed, the changes confirmed,
the recoveries listed and the audit office's report downloaded; the next run holds back a line without
an account, with the link to fix it; proof of life; where a payment line comes from. Screenshots at
desktop (1280×800) and phone (390×844) size."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from tests.people.conftest import make_id
from yanglao.benefits import lifecert, services
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, make_user
from yanglao.people import services as people_services

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NAMES = ["陈秀英", "李桂芳", "黄德明", "吴国强", "林玉兰", "梁志明", "张桂英", "何丽华"]
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}


def _world():
    city = make_user(Role.CITY_ADMIN, "4417", username="city", real_name="陈志明")
    checker = make_user(Role.CITY_ADMIN, "4417", username="city2", real_name="周慧敏")
    county = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng", real_name="林晓燕")
    make_user(Role.AUDITOR, "4417", username="auditor", real_name="审计 王")
    p = services.programme_create(by=city, code="gaoling", name="高龄津贴", kind="allowance",
                                  legal_basis="阳民〔2025〕1号", issuing_unit="阳江市民政局")
    services.rule_add(by=city, programme=p, valid_from=dt.date(2025, 1, 1), min_age=80, document_no="阳民〔2025〕1号")
    services.band_add(by=city, programme=p, valid_from=dt.date(2025, 1, 1), key_min=80, key_max=None, amount="50",
                      label="80岁及以上", document_no="阳民〔2025〕1号")
    people = []
    for i, name in enumerate(NAMES):
        idno = make_id(birth="19400101", seq=f"{300 + i:03d}")
        person = people_services.person_create(by=county, today=dt.date(2026, 5, 1), data={
            "name": name, "id_number": idno, "division_code": "441702001001", "living_situation": "alone"})
        person.plain_id = idno
        if i < 7:
            services.bank_account_set(by=county, person=person, bank_name="广东阳江农村商业银行",
                                      account_no=f"62284801234567{i:05d}", holder_name=name)
        people.append(person)
    from yanglao.benefits.engine import compute

    for month in (dt.date(2026, 9, 1), dt.date(2026, 10, 1)):
        run = services.run_preview(by=city, programme=p, month=month)
        services.run_approve(by=checker, run=compute(run.pk, run.attempt))
    return p, people


def _death_list(people) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["阳江市公安局江城分局 2026年9月死亡人员名单"])
    ws.append(["序号", "姓名", "公民身份号码", "死亡日期"])
    for i, person in enumerate(people, start=1):
        ws.append([i, person.name, person.plain_id, f"2026年8月2{i}日"])
    ws.append([len(people) + 1, "外市人员", make_id(region="440106", birth="19400101", seq="777"), "2026-09-01"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _both(page, shot, name):
    page.set_viewport_size(DESKTOP)
    shot(f"{name}-desktop")
    page.set_viewport_size(PHONE)
    shot(f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_death_list_to_recoveries_held_back_lines_and_line_trace(live_server, page, shot, tmp_path):
    programme, people = _world()
    path = tmp_path / "死亡名单.xlsx"
    path.write_bytes(_death_list(people[:6]))
    login(page, live_server, "jiangcheng", PASSWORD)
    page.goto(f"{live_server.url}/benefits/matching/")
    page.select_option("#id_kind", "death")
    page.fill("#id_source_unit", "阳江市公安局江城分局")
    page.fill("#id_document_no", "江公户〔2026〕9号")
    page.set_input_files("#id_file", str(path))
    _both(page, shot, "benefit-audit-01-matching-upload")
    page.click("[data-testid=match-upload]")
    page.wait_for_selector("[data-testid=batch-stats]")
    assert "6 / 0" in page.inner_text("[data-testid=stat-changes]")
    _both(page, shot, "benefit-audit-02-matching-review")
    page.click("[data-testid=show-bad]")
    assert "外市身份证号码" in page.inner_text("[data-testid=match-rows]")
    page.click("[data-testid=show-change]")
    page.click("[data-testid=confirm-all]")
    page.wait_for_selector("[data-testid=confirm-page]")
    page.fill("[data-testid=confirm-comment]", "已与公安名单核对")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("text=已确认 6 条")
    page.goto(f"{live_server.url}/benefits/recoveries/")
    assert page.locator("[data-testid=recoveries] tbody tr").count() == 6
    assert "¥600.00" in page.inner_text("[data-testid=recoveries-by-county]")
    _both(page, shot, "benefit-audit-03-recoveries")
    page.click("[data-testid=recoveries] tbody tr >> nth=0 >> a")
    page.wait_for_selector("[data-testid=recovery-items]")
    page.fill("#id_amount", "30")
    page.fill("#id_reference", "阳财缴〔2026〕0012")
    page.click("[data-testid=repay]")
    page.wait_for_selector("text=已登记退回")
    assert "部分追回" in page.inner_text("[data-testid=recovery-status]")
    _both(page, shot, "benefit-audit-04-recovery")

    # the audit office downloads the report
    page.context.clear_cookies()
    login(page, live_server, "auditor", PASSWORD)
    page.goto(f"{live_server.url}/benefits/recoveries/")
    with page.expect_download() as download:
        page.click("[data-testid=recoveries-report]")
    assert download.value.suggested_filename.startswith("recoveries-")

    # the next run: the dead are stopped, the one without an account is held back with a link to fix it
    from yanglao.benefits.engine import compute
    from yanglao.core.models import User

    city = User.objects.get(username="city")
    nov = services.run_preview(by=city, programme=programme, month=dt.date(2026, 11, 1))
    nov = compute(nov.pk, nov.attempt)
    lifecert.programme_requirement_set(by=city, programme=programme, every_months=12, fixed_month=None,
                                       fixed_day=None, since=dt.date(2025, 12, 10))
    page.context.clear_cookies()
    login(page, live_server, "city", PASSWORD)
    page.goto(f"{live_server.url}/benefits/runs/{nov.pk}/")
    assert "未登记代发账户" in page.inner_text("[data-testid=held-lines]")
    _both(page, shot, "benefit-audit-05-held-back")
    page.goto(f"{live_server.url}/benefits/runs/{nov.pk}/?show=stopped")
    assert page.inner_text("[data-testid=run-lines]").count("死亡") == 6
    page.goto(f"{live_server.url}/benefits/runs/{nov.pk}/?show=all")
    page.click("[data-testid=run-lines] tbody tr >> nth=0 >> text=来源")
    page.wait_for_selector("[data-testid=trace]")
    assert "阳民〔2025〕1号" in page.inner_text("[data-testid=trace-document]")
    _both(page, shot, "benefit-audit-06-line-trace")
    page.goto(f"{live_server.url}/benefits/life-certs/")
    assert people[6].name in page.inner_text("[data-testid=due]")
    _both(page, shot, "benefit-audit-07-life-certs")
    page.goto(f"{live_server.url}/benefits/people/{people[7].pk}/account/?run={nov.pk}")
    page.fill("#id_bank_name", "中国农业银行阳江分行")
    page.fill("#id_account_no", "12345")
    page.click("[data-testid=account-save]")
    assert "12–30位数字" in page.inner_text("[data-testid=account-form]")
    _both(page, shot, "benefit-audit-08-account-fix")


def test_the_city_edits_a_banks_layout_and_sees_its_sample(live_server, page, shot):
    from yanglao.benefits.models import BankFileFormat

    make_user(Role.CITY_ADMIN, "4417", username="city", real_name="陈志明")
    # migration 0003 installs three layouts, but an earlier transactional test may have flushed them
    BankFileFormat.objects.get_or_create(code="psbc", defaults={
        "bank_name": "中国邮政储蓄银行阳江市分行", "columns": ["account_no", "holder", "amount", "id_number", "summary"],
        "encoding": "gbk", "separator": "|", "header": "H|{date}|{count}|{total}", "column_titles": False,
        "trailer": "T|{count}|{total}", "filename_pattern": "PSBC{date}_{run}.txt"})
    login(page, live_server, "city", PASSWORD)
    page.goto(f"{live_server.url}/benefits/")
    page.click("[data-testid=nav-bank-formats]")
    assert page.locator("[data-testid=bank-format]").count() >= 1
    _both(page, shot, "benefits-bank-formats")
    page.click("[data-testid=bank-format-new]")
    page.fill("#id_code", "icbc")
    page.fill("#id_bank_name", "中国工商银行阳江分行")
    page.fill("#id_columns", "银行账号，户名，金额")
    page.fill("#id_header", "H|{count.__class__}")
    page.fill("#id_filename_pattern", "ICBC_{run}.txt")
    page.click("[data-testid=bank-format-form] button[type=submit]")
    assert "不认识的占位符" in page.content()
    _both(page, shot, "benefits-bank-format-error")
    page.fill("#id_header", "H|{date}|{count}|{total}")
    page.click("[data-testid=bank-format-form] button[type=submit]")
    assert "已保存代发文件格式" in page.content() and "H|20261130|2|2250.00" in page.content()
