"""Spending from a finance office's spreadsheet: all rows or none, errors by row, column and reason, dictionary
names and aliases as offices write them, amounts in 元 or 万元, and the same file twice adding nothing twice."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from yanglao.funding import importing
from yanglao.funding.models import Spending

pytestmark = pytest.mark.django_db


def xlsx(rows, headers=("支出日期", "凭证号", "资金来源", "支出用途", "金额（元）", "收款单位", "摘要", "级次")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年度养老服务资金支出明细表"])  # a title row above the header, as offices send it
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


GOOD = [("2024-03-15", "记-0315-01", "福彩公益金", "机构补贴", "120,000.50", "阳江颐康护养院", "运营补贴", ""),
        ("2024年4月2日", "记-0402-07", "一般公共预算", "政府购买服务", 8800, "阳江市康乐居家养老服务中心", "", "江城区")]


def test_a_good_file_is_saved_whole_with_aliases_and_the_county_by_default(jiangcheng):
    result = importing.import_spending(by=jiangcheng, content=xlsx(GOOD), filename="支出.xlsx")
    assert (result.total, result.saved, result.errors) == (2, 2, [])
    first = Spending.objects.get(voucher_no="记-0315-01")
    assert (first.source, first.purpose, first.amount, first.division_code, first.year, first.imported) == (
        "lottery", "institution", Decimal("120000.50"), "441702", 2024, True)


def test_one_bad_row_saves_nothing_and_says_row_column_and_reason(jiangcheng):
    rows = [*GOOD, ("2024-05-01", "记-0501-01", "彩票", "机构补贴", "100", "某院", "", ""),
            ("2024-05-02", "记-0502-01", "福彩公益金", "机构补贴", "-3", "某院", "", ""),
            ("2024-05-03", "记-0315-01", "福彩公益金", "机构补贴", "3", "某院", "", ""),
            ("2024-05-04", "记-0504-01", "福彩公益金", "机构补贴", "3", "某院", "", "阳西县")]
    result = importing.import_spending(by=jiangcheng, content=xlsx(rows), filename="支出.xlsx")
    assert result.saved == 0 and Spending.objects.count() == 0
    assert (5, "资金来源", "“彩票”不是字典中的资金来源") in result.errors
    assert any(r == 6 and c == "金额（元）" and "应大于零" in m for r, c, m in result.errors)
    assert any(r == 7 and c == "凭证号" and "与第 3 行重复" in m for r, c, m in result.errors)
    assert any(r == 8 and c == "级次" for r, c, m in result.errors)


def test_the_same_file_twice_adds_nothing_the_second_time(jiangcheng):
    importing.import_spending(by=jiangcheng, content=xlsx(GOOD), filename="支出.xlsx")
    again = importing.import_spending(by=jiangcheng, content=xlsx(GOOD), filename="支出.xlsx")
    assert again.saved == 0 and [e[1] for e in again.errors] == ["凭证号", "凭证号"]
    assert Spending.objects.count() == 2


def test_amounts_in_ten_thousands_are_read_as_yuan(city_admin):
    rows = [("2024-06-30", "记-0630-01", "福利彩票公益金", "居家社区服务", "12.3456", "南恩街道综合养老服务中心", "", "市本级")]
    headers = ("支出日期", "凭证号", "资金来源", "支出用途", "金额（万元）", "收款单位", "摘要", "级次")
    result = importing.import_spending(by=city_admin, content=xlsx(rows, headers), filename="支出.xlsx")
    assert result.errors == [] and Spending.objects.get().amount == Decimal("123456.00")
    assert Spending.objects.get().division_code == "4417"
