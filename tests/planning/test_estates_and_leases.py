"""Estates and their elderly-care rooms judged by the rule in force (data, with its source; the Yangjiang draft's
conflicting "每户不低于20平方米" kept and not applied), the share of compliant new estates per county, the import of
estates from a spreadsheet, and idle public property leases flagged below 15 years."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yanglao.core.errors import ValidationFailed
from yanglao.core.testing import assert_jurisdiction_scoped, page_client
from yanglao.planning import selectors, services
from yanglao.planning.models import AreaRule, Estate, PropertyLease


def _estate(by, name, kind, households, area, code="441702001001", **extra):
    return services.estate_save(by=by, data={"name": name, "division_code": code, "area_kind": kind,
                                             "households": households, "room_area_m2": Decimal(area), **extra})


def _judged(name):
    return selectors.estates_with_compliance(Estate.objects.filter(name=name), selectors.rules_in_force()).get()


def test_rooms_are_judged_per_hundred_households_by_the_rule_in_force_not_the_conflicting_text(jiangcheng):
    _estate(jiangcheng, "漠阳花园", "new", 500, "100")  # 500 households × 20 m²/100 = 100 m²: compliant
    _estate(jiangcheng, "江城御景", "new", 500, "99.5")
    _estate(jiangcheng, "南恩新村", "old", 400, "60")  # 400 × 15/100 = 60 m² in an old area
    assert _judged("漠阳花园").compliant is True and _judged("漠阳花园").required_m2 == Decimal("100")
    assert _judged("江城御景").compliant is False
    assert _judged("南恩新村").compliant is True and _judged("南恩新村").required_m2 == Decimal("60")
    conflict = AreaRule.objects.get(applied=False)
    assert "每户不低于20平方米" in conflict.source_text and conflict.min_m2_per_100 == Decimal("2000")
    page = page_client(jiangcheng).get("/planning/estates/").content.decode()
    assert "粤府办〔2019〕23号 第十五条" in page and "每百户不低于 20 平方米" in page
    rules = page_client(jiangcheng).get("/planning/compliance/").content.decode()
    assert "每户不低于20平方米" in rules and "不适用（与现行标准冲突）" in rules


def test_a_new_rule_from_a_date_replaces_the_old_one_without_touching_the_estates(jiangcheng):
    _estate(jiangcheng, "漠阳花园", "new", 500, "100")
    AreaRule.objects.create(area_kind="new", min_m2_per_100=Decimal("30"), valid_from=dt.date(2025, 1, 1),
                            source="某新文件", source_text="每百户不低于30平方米")
    assert selectors.rules_in_force()["new"].source == "某新文件"
    assert _judged("漠阳花园").compliant is False
    assert selectors.rules_in_force(dt.date(2024, 6, 1))["new"].min_m2_per_100 == Decimal("20")


def test_share_of_compliant_new_estates_per_county(jiangcheng, city_admin):
    _estate(jiangcheng, "甲", "new", 100, "20", handed_over=True, in_use=True)
    _estate(jiangcheng, "乙", "new", 100, "0")
    _estate(jiangcheng, "丙", "new", 200, "45", handed_over=True)
    _estate(city_admin, "丁", "new", 100, "25", code="441721100201")
    _estate(jiangcheng, "戊", "old", 100, "0")  # old areas are counted apart
    total, rows = selectors.compliance_by_county(city_admin)
    by_code = {r.code: r for r in rows}
    assert (by_code["441702"].total, by_code["441702"].compliant, by_code["441702"].share_text) == (3, 2, "66.7%")
    assert by_code["441702"].handed_over == 2 and by_code["441702"].in_use == 1
    assert by_code["441721"].share_text == "100.0%"
    assert (total.total, total.compliant, total.share_text) == (4, 3, "75.0%")
    own_total, own_rows = selectors.compliance_by_county(jiangcheng)
    assert [r.code for r in own_rows] == ["441702"] and own_total.total == 3


def test_estates_are_scoped_to_the_jurisdiction(jiangcheng):
    _estate(jiangcheng, "鸳鸯湖畔", "new", 300, "60")
    assert_jurisdiction_scoped(division_code="441702001001", list_url="/planning/estates/", marker="鸳鸯湖畔",
                               api=False)
    with pytest.raises(ValidationFailed):
        _estate(jiangcheng, "越界小区", "new", 300, "60", code="441721100201")


def _xlsx(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["江城区住宅小区养老服务设施配建台账"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_estates_import_from_a_spreadsheet_with_errors_per_row_and_column(jiangcheng):
    content = _xlsx([
        ["小区名称", "所属村居", "小区类型", "总户数", "养老服务用房面积", "是否移交", "是否按用途使用", "竣工验收日期"],
        ["漠阳花园", "北门社区", "新建", 480, 96, "是", "是", "2024-05-01"],
        ["城南雅苑", "南恩街道/南恩社区", "旧城区", "600", "", "否", "否", ""],
        ["无名小区", "不存在社区", "新建", 100, 20, "是", "是", ""],
        ["错户数", "北门社区", "新建", "很多", 20, "是", "是", ""],
        ["错类型", "北门社区", "商住", 100, 20, "是", "是", ""],
    ])
    client = page_client(jiangcheng)
    got = client.post("/planning/estates/import/", {"file": SimpleUploadedFile("台账.xlsx", content)})
    page = got.content.decode()
    assert "共 5 条，成功 2 条" in page, page[page.index("import-result"):][:900]
    assert "第 5 行 · 所在村（社区）" in page and "第 6 行 · 户数" in page and "第 7 行 · 小区类型" in page
    estate = Estate.objects.get(name="漠阳花园")
    assert estate.households == 480 and estate.handed_over and estate.completed_on == dt.date(2024, 5, 1)
    assert Estate.objects.get(name="城南雅苑").room_area_m2 == 0
    again = client.post("/planning/estates/import/", {"file": SimpleUploadedFile("台账.xlsx", content)})
    assert "更新 2" in again.content.decode() and Estate.objects.count() == 2


def test_estate_form_saves_with_a_community_chosen_by_name(jiangcheng):
    got = page_client(jiangcheng).post("/planning/estates/new/", {
        "name": "碧海湾", "division_code": "北门社区", "area_kind": "new", "households": "300", "room_area_m2": "40"})
    assert got.status_code == 302
    assert _judged("碧海湾").compliant is False  # 300 households need 60 m²


def _lease(by, name, start, end, **extra):
    return services.lease_save(by=by, data={"name": name, "division_code": "441702001001", "owner_unit": "江城区教育局",
                                            "floor_area_m2": Decimal("500"), "status": "leased", "start_date": start,
                                            "end_date": end, **extra})


def test_leases_shorter_than_fifteen_years_are_flagged(jiangcheng):
    full = _lease(jiangcheng, "原小学校舍", dt.date(2024, 1, 1), dt.date(2038, 12, 31), priority_given=True)
    short = _lease(jiangcheng, "原粮所仓库", dt.date(2024, 1, 1), dt.date(2033, 12, 31))
    assert not full.term_short and full.term_years == Decimal("15.0")
    assert short.term_short and short.term_years == Decimal("10.0")
    page = page_client(jiangcheng).get("/planning/leases/").content.decode()
    assert page.count('data-testid="lease-short"') == 1 and "未给予优先" in page
    with pytest.raises(ValidationFailed, match="应晚于"):
        _lease(jiangcheng, "倒挂", dt.date(2024, 1, 1), dt.date(2023, 1, 1))
    with pytest.raises(ValidationFailed, match="租期"):
        _lease(jiangcheng, "无租期", None, None)
    assert PropertyLease.objects.count() == 2
    home = page_client(jiangcheng).get("/planning/").content.decode()
    assert "租期短于15年的房产" in home
