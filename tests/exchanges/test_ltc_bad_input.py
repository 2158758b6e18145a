"""A settlement list as the medical-insurance bureau sends it: every problem reported per row (people
outside the city among them), nothing changed until confirmed, a file imported once."""

import datetime as dt

import pytest

from tests.conftest import make_id
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.testing import page_client
from yanglao.exchanges import services
from yanglao.exchanges.models import ExchangeRun, LtcSettlement

from .conftest import csv_bytes, xlsx

TODAY = dt.date(2026, 11, 29)
OCT = dt.date(2026, 10, 1)
HEADER = ["序号", "姓名", "公民身份号码", "费用月份", "待遇类型", "失能等级", "享受天数", "长护险基金支付", "护理机构", "参保地"]


def test_every_bad_row_is_reported_with_its_column_and_reason(city_admin, new_person):
    known = new_person(name="黄秀英", id_number=make_id(birth="19400101", seq="301"))
    rows = [
        (1, "黄秀英", make_id(birth="19400101", seq="301"), "2026-10", "居家护理", "重度失能Ⅰ级", 31, "1,200.00", "康乐", "阳江市江城区"),
        (2, "外市人", make_id(region="440106", birth="19400101", seq="302"), "2026-10", "居家护理", "重度失能Ⅰ级", 31, "900", "", "广州市天河区"),
        (3, "外市甲", make_id(region="440106", birth="19400101", seq="303"), "2026-10", "居家护理", "", 31, "900", "", ""),
        (4, "李桂芳", make_id(birth="19400101", seq="304")[:17] + "0", "2026-10", "居家护理", "", 31, "900", "", ""),
        (5, "陈国强", make_id(birth="19400101", seq="305"), "2026-09", "居家护理", "", 31, "900", "", ""),
        (6, "林玉兰", make_id(birth="19400101", seq="306"), "2026-10", "日间照料", "", 31, "900", "", ""),
        (7, "梁志明", make_id(birth="19400101", seq="307"), "2026-10", "居家护理", "", 45, "-5", "", ""),
        (8, "黄秀英", make_id(birth="19400101", seq="301"), "2026-10", "居家护理", "", 31, "900", "", ""),
        (9, "吴桂英", make_id(birth="19400101", seq="309"), "2026-10", "机构护理", "重度失能Ⅲ级", 31, "1800", "", ""),
    ]
    s = services.ltc_settlement_import(by=city_admin, month=OCT, filename="10月结算.xlsx",
                                       content=xlsx(HEADER, rows, title="阳江市长期护理保险2026年10月结算清单"), today=TODAY)
    got = {r.row_no: (r.outcome, r.column, r.reason) for r in s.lines.all()}
    assert got[3][0] == "matched"
    assert got[4][0] == "outside" and "广州市天河区" in got[4][2]  # a person insured elsewhere
    assert got[5][0] == "outside" and "440106" in got[5][2]  # an ID of another city, not in the registry
    assert got[6][0] == "bad" and "身份证号码" in got[6][1] and "校验" in got[6][2]
    assert got[7][0] == "bad" and "2026-09" in got[7][2] and "不一致" in got[7][2]
    assert got[8][0] == "bad" and "日间照料" in got[8][2]
    assert got[9][0] == "bad" and "服务天数" in got[9][1]
    assert got[10][0] == "bad" and "与第 3 行重复" in got[10][2]
    assert got[11][0] == "not_found"
    assert (s.rows, s.matched, s.outside, s.bad, s.not_found) == (9, 1, 2, 5, 1)
    assert s.lines.get(row_no=3).person_id == known.pk and s.status == "imported"
    run = ExchangeRun.objects.get(exchange__code="ltc-settlement", event="import")
    assert run.status == "with_errors" and run.rows_bad == 7 and {e["row"] for e in run.errors} == {"4", "5", "6", "7", "8", "9", "10"}


def test_a_gbk_csv_is_read_and_the_same_file_twice_is_refused(city_admin, new_person):
    new_person(name="黄秀英", id_number=make_id(birth="19400101", seq="301"))
    content = csv_bytes(["姓名", "身份证号码", "护理方式"], [("黄秀英", make_id(birth="19400101", seq="301"), "居家")])
    s = services.ltc_settlement_import(by=city_admin, month=OCT, filename="a.csv", content=content, today=TODAY)
    assert s.matched == 1
    with pytest.raises(Conflict):
        services.ltc_settlement_import(by=city_admin, month=OCT, filename="a.csv", content=content, today=TODAY)


def test_a_list_without_the_care_setting_column_is_refused_whole(city_admin):
    with pytest.raises(ValidationFailed) as exc:
        services.ltc_settlement_import(by=city_admin, month=OCT, filename="a.csv", today=TODAY,
                                       content=csv_bytes(["姓名", "身份证号码", "服务天数"], [("甲", make_id(), 3)]))
    assert "护理方式" in exc.value.message
    assert not LtcSettlement.objects.exists()


def test_county_staff_may_not_import_or_confirm_settlements(jiangcheng, city_admin, new_person):
    with pytest.raises(Forbidden):
        services.ltc_settlement_import(by=jiangcheng, month=OCT, filename="a.csv", today=TODAY,
                                       content=csv_bytes(["姓名", "身份证号码", "护理方式"], [("甲", make_id(), "居家")]))
    assert page_client(jiangcheng).get("/exchanges/ltc/settlements/new/").status_code == 403


def test_a_second_list_for_a_confirmed_month_is_not_confirmed(city_admin, new_person):
    new_person(name="黄秀英", id_number=make_id(birth="19400101", seq="301"))
    first = services.ltc_settlement_import(by=city_admin, month=OCT, filename="a.csv", today=TODAY, content=csv_bytes(
        ["姓名", "身份证号码", "护理方式"], [("黄秀英", make_id(birth="19400101", seq="301"), "居家")]))
    second = services.ltc_settlement_import(by=city_admin, month=OCT, filename="b.csv", today=TODAY, content=csv_bytes(
        ["姓名", "身份证号码", "护理方式", "服务天数"], [("黄秀英", make_id(birth="19400101", seq="301"), "居家", 3)]))
    services.ltc_settlement_confirm(by=city_admin, settlement=first)
    with pytest.raises(Conflict):
        services.ltc_settlement_confirm(by=city_admin, settlement=second)
