"""The registry in the browser: search, the record, an audited reveal, and a spreadsheet import."""

import csv
import io

import pytest

from tests.conftest import make_id
from yanglao.core.audit import history_for
from yanglao.core.testing import PASSWORD

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_open_record_and_reveal(live_server, page, shot, new_person):
    person = new_person(name="梁桂英", categories=[{"category": "dibao", "valid_from": "2024-01-01"}],
                        contacts=[{"kind": "guardian", "name": "梁志强", "relation": "儿子", "phone": "13900003333"}])
    for i in range(5):
        new_person(name=f"陈亚{'一二三四五'[i]}")
    login(page, live_server, "jiangcheng", PASSWORD)
    page.click("[data-nav=people]")
    page.wait_for_selector("[data-testid=people-table]")
    shot("10-people-list")
    page.fill("#id_q", "梁桂")
    page.click("[data-testid=people-search] button[type=submit]")
    page.wait_for_selector("text=梁桂英")
    assert page.locator("[data-testid=people-table] tbody tr").count() == 1
    page.click("text=梁桂英")
    page.wait_for_selector("[data-testid=person-name]")
    assert "********" in page.inner_text("[data-testid=id-masked]")
    page.fill("#reveal-box input[name=reason]", "核实身份")
    page.click("[data-testid=reveal]")
    page.wait_for_selector("[data-testid=revealed]")
    assert make_id(seq="101") in page.inner_text("[data-testid=revealed]")
    assert history_for(person).filter(action="reveal").count() == 1
    shot("11-person-record")


def test_import_a_messy_spreadsheet_and_read_the_errors(live_server, page, shot, jiangcheng, tmp_path):
    good, bad = make_id(seq="401"), make_id(seq="402")
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    out = io.StringIO()
    csv.writer(out).writerows([
        ["江城区老年人花名册（2026年11月）"],
        ["姓名", "身份证号码", "所属镇街", "所属村居", "居住状况", "联系电话"],  # communities by name, no code column
        ["冯 秀 珍", good, "南恩街道", "北门社区", "独居", "１３８００００５６７８"],
        ["吴阿伯", bad, "南恩街道", "北门社区", "空巢", ""],
        ["郑阿婆", "4.41702E+17", "", "白沙", "空巢", ""],
        ["合计", "共 3 人"],
    ])
    path = tmp_path / "花名册.csv"
    path.write_bytes(out.getvalue().encode("gb18030"))
    login(page, live_server, "jiangcheng", PASSWORD)
    page.goto(f"{live_server.url}/people/import/")
    page.set_input_files("input[type=file]", str(path))
    shot("12-import-form")
    page.click("button:has-text('开始导入')")
    page.wait_for_selector("[data-testid=import-progress][data-status=done]", timeout=30000)
    summary = page.inner_text("[data-testid=import-summary]")
    assert "共 3 条，成功 1 条" in summary and "错误 2 条" in summary
    errors = page.inner_text("[data-testid=import-errors]")
    assert "第 4 行" in errors and "校验位" in errors and "第 5 行" in errors
    assert "找到多个同名村居：白沙街道白沙社区、白沙街道白沙村" in errors
    shot("13-import-result")
