"""Estates from a spreadsheet as offices keep them: one row per estate, errors per row and column."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from yanglao.core.divisions import resolve_division
from yanglao.core.errors import DomainError
from yanglao.core.tabular import CellError, cell_to_date, cell_to_decimal, clean_text
from yanglao.core.uploads import read_upload

from . import services
from .models import AreaKind, Estate

HEADERS = ["小区名称", "所在村（社区）", "小区类型", "户数", "养老服务用房面积", "是否移交", "是否按用途使用", "竣工验收日期",
           "地址", "建设单位", "纬度", "经度"]
ALIASES = {"小区": "小区名称", "所属村居": "所在村（社区）", "村（社区）": "所在村（社区）", "社区": "所在村（社区）",
           "类型": "小区类型", "总户数": "户数", "养老用房面积": "养老服务用房面积", "配建面积": "养老服务用房面积",
           "养老服务用房面积（平方米）": "养老服务用房面积", "移交": "是否移交", "已移交": "是否移交", "使用": "是否按用途使用",
           "竣工日期": "竣工验收日期", "开发商": "建设单位"}
KIND_WORDS = {"新建": AreaKind.NEW, "新建住宅小区": AreaKind.NEW, "新区": AreaKind.NEW, "新": AreaKind.NEW,
              "旧城区": AreaKind.OLD, "已建": AreaKind.OLD, "老旧小区": AreaKind.OLD, "旧区": AreaKind.OLD,
              "旧": AreaKind.OLD, "已建住宅区": AreaKind.OLD, "旧城区和已建住宅区": AreaKind.OLD}
YES = {"是", "已移交", "已使用", "y", "yes", "1", "√", "true"}
NO = {"否", "未移交", "未使用", "n", "no", "0", "", "false", "×"}


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, reason)

    @property
    def ok(self) -> int:
        return self.created + self.updated


def _number(value: Any) -> Decimal:
    try:
        return cell_to_decimal(value)
    except CellError:
        raise CellError(f"“{clean_text(value)}”应为数字") from None


def _yes(value: Any) -> bool:
    text = clean_text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError("请填写“是”或“否”")


def import_estates(*, by: Any, content: bytes, filename: str) -> ImportResult:
    table = read_upload(content, kind="planning_estates", filename=filename, expected_headers=HEADERS,
                        aliases=ALIASES, min_matches=3)
    result = ImportResult()
    for number, raw in table:
        result.total += 1
        column = ""
        try:
            column = "小区名称"
            name = clean_text(raw.get("小区名称"))
            if not name:
                raise CellError("不能为空")
            column = "所在村（社区）"
            code = resolve_division(clean_text(raw.get("所在村（社区）")), within=by.scope_prefix, level=5).code
            column = "小区类型"
            kind = KIND_WORDS.get(clean_text(raw.get("小区类型")))
            if kind is None:
                raise CellError("应为“新建”或“旧城区/已建”")
            column = "户数"
            households = int(_number(raw.get("户数")))
            if households <= 0:
                raise CellError("应为正整数")
            column = "养老服务用房面积"
            area_raw = raw.get("养老服务用房面积")
            area = _number(area_raw) if clean_text(area_raw) else Decimal("0")
            column = "是否移交"
            handed = _yes(raw.get("是否移交"))
            column = "是否按用途使用"
            used = _yes(raw.get("是否按用途使用"))
            column = "竣工验收日期"
            done_raw = raw.get("竣工验收日期")
            completed = cell_to_date(done_raw) if clean_text(done_raw) else None
            column = "纬度"
            lat_raw, lon_raw = raw.get("纬度"), raw.get("经度")
            lat = _number(lat_raw) if clean_text(lat_raw) else None
            column = "经度"
            lon = _number(lon_raw) if clean_text(lon_raw) else None
            column = ""
            existing = Estate.objects.filter(division_code=code, name=name).first()
            services.estate_save(by=by, estate=existing, data={
                "name": name, "division_code": code, "area_kind": kind, "households": households,
                "room_area_m2": area, "handed_over": handed, "in_use": used, "completed_on": completed,
                "address": clean_text(raw.get("地址")), "developer": clean_text(raw.get("建设单位")),
                "latitude": lat, "longitude": lon})
            if existing:
                result.updated += 1
            else:
                result.created += 1
        except CellError as exc:
            result.errors.append((number, column, str(exc)))
        except DomainError as exc:
            result.errors.append((number, column, exc.message))
        except (ValueError, ArithmeticError) as exc:
            result.errors.append((number, column, str(exc) or "格式错误"))
    return result


POINT_HEADERS = ["村（社区）", "纬度", "经度"]
POINT_ALIASES = {"所在村（社区）": "村（社区）", "所属村居": "村（社区）", "社区": "村（社区）", "村居": "村（社区）",
                 "lat": "纬度", "latitude": "纬度", "lon": "经度", "lng": "经度", "longitude": "经度"}


def import_points(*, by: Any, content: bytes, filename: str) -> ImportResult:
    """Community points (WGS-84) from a spreadsheet: 村（社区）, 纬度, 经度; a community already placed is moved."""
    from .models import CommunityPoint

    table = read_upload(content, kind="planning_estates", filename=filename, expected_headers=POINT_HEADERS,
                        aliases=POINT_ALIASES, min_matches=3)
    result = ImportResult()
    for number, raw in table:
        result.total += 1
        column = "村（社区）"
        try:
            code = resolve_division(clean_text(raw.get("村（社区）")), within=by.scope_prefix, level=5).code
            column = "纬度"
            lat = _number(raw.get("纬度"))
            column = "经度"
            lon = _number(raw.get("经度"))
            column = ""
            existed = CommunityPoint.objects.filter(division_code=code).exists()
            services.point_save(by=by, division_code=code, latitude=lat.quantize(Decimal("0.000001")),
                                longitude=lon.quantize(Decimal("0.000001")), source="import")
            if existed:
                result.updated += 1
            else:
                result.created += 1
        except CellError as exc:
            result.errors.append((number, column, str(exc)))
        except DomainError as exc:
            result.errors.append((number, column, exc.message))
    return result
