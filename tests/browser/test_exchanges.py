"""The city imports a long-term care settlement list in the browser, sees each bad row and the person outside
the city, confirms it; then generates the quarter's national batch; screenshots at desktop and phone size."""

import csv
import io

import pytest

from tests.conftest import make_id
from yanglao.core.testing import PASSWORD

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _csv(rows) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["姓名", "公民身份号码", "待遇类型", "享受天数", "长护险基金支付", "参保地"])
    w.writerows(rows)
    return out.getvalue().encode("gbk")


def test_a_settlement_list_is_reported_per_row_and_confirmed(live_server, page, shot, city_admin, new_person,
                                                             tmp_path):
    new_person(name="黄秀英", id_number=make_id(birth="19400101", seq="301"))
    path = tmp_path / "长护险结算清单.csv"
    path.write_bytes(_csv([("黄秀英", make_id(birth="19400101", seq="301"), "居家护理", 30, "1200"),
                           ("周秀兰", make_id(region="440106", birth="19400101", seq="302"), "居家护理", 30, "900",
                            "广州市天河区"),
                           ("李桂芳", make_id(birth="19400101", seq="303"), "日间照料", 30, "900")]))
    page.set_viewport_size(DESKTOP)
    login(page, live_server, "city", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.goto(f"{live_server.url}/exchanges/ltc/")
    page.click("[data-testid=ltc-upload]")
    page.fill("#id_month", "2026-10")
    page.set_input_files("#id_file", str(path))
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=settlement-title]")
    assert "确认前不作任何更改" in page.content()
    page.click("[data-testid=show-outside]")
    assert "广州市天河区" in page.inner_text("[data-testid=settlement-rows]")
    page.click("[data-testid=show-bad]")
    assert "日间照料" in page.inner_text("[data-testid=settlement-rows]")
    shot("exchanges-01-settlement-desktop")
    page.click("[data-testid=confirm-settlement]")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("text=已确认：居家护理 1 人")
    page.goto(f"{live_server.url}/exchanges/national/")
    page.click("[data-testid=batch-create]")
    page.wait_for_selector("[data-testid=batch-title]")
    shot("exchanges-02-national-batch-desktop")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/exchanges/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    shot("exchanges-03-home-phone")
