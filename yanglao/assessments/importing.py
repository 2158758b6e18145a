"""Import of historical MZ/T 039-2013 results (level 0–3) from .xlsx/.csv.

Columns: 身份证号码, 姓名, 评估日期, 等级(0–3), 评估机构. People are matched by the keyed hash of the
ID number within the importer's jurisdiction. Rows are stored with ``scale="mzt039"`` and status
``imported``; they are shown as "MZ/T 039-2013 等级N（旧标准）" and never count as a care level.
A (person, date) already imported is skipped, so importing a file twice changes nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from yanglao.core.audit import audit_bulk, audit_context
from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.idnumber import IdNumberError, parse_id_number
from yanglao.core.tabular import (
    CellError,
    cell_to_date,
    cell_to_id_text,
    clean_name,
    clean_text,
)
from yanglao.core.uploads import read_upload
from yanglao.people.selectors import people_for
from yanglao.people.services import id_hash

from .choices import Scale, Status
from .models import Assessment

HEADERS = ["身份证号码", "姓名", "评估日期", "等级", "评估机构"]
ALIASES = {"身份证号": "身份证号码", "公民身份号码": "身份证号码", "评估等级": "等级", "能力等级": "等级",
           "等级(0-3)": "等级", "评估单位": "评估机构", "评估时间": "评估日期"}
LEVEL_WORDS = {"能力完好": 0, "轻度失能": 1, "中度失能": 2, "重度失能": 3}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"第 {self.row} 行 · {self.column}: {self.reason}"


@dataclass
class ImportResult:
    total: int = 0
    imported: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return f"共 {self.total} 条，成功 {self.imported} 条，已导入过跳过 {self.skipped} 条，错误 {len(self.errors)} 条"


def _level(value: Any) -> int:
    text = clean_text(value).replace("级", "").replace("等级", "")
    if text in LEVEL_WORDS:
        return LEVEL_WORDS[text]
    if text.isdigit() and 0 <= int(text) <= 3:
        return int(text)
    raise CellError(f"等级“{clean_text(value)}”无效，MZ/T 039-2013 的等级为 0–3")


def import_mzt(*, by: Any, filename: str, content: bytes) -> ImportResult:
    """Validate every row, then insert the valid ones in one batch (one audit line)."""
    if not by.can("assessments.import"):
        raise Forbidden()
    # Size and row limits (settings.UPLOAD_LIMITS["assessments"]) and the sheet checks, in one place.
    table = read_upload(content, kind="assessments", filename=filename, expected_headers=HEADERS, aliases=ALIASES)
    missing = [h for h in ("身份证号码", "评估日期", "等级") if h in table.missing_headers]
    if missing:
        table.close()
        raise ValidationFailed(f"缺少必填列：{'、'.join(missing)}", details={"file": "缺少必填列"})

    result = ImportResult()
    today = timezone.localdate()
    parsed: list[tuple[int, str, str, Any, int, str]] = []  # row, hash, name, date, level, source
    for row_number, cells in table:
        result.total += 1
        errors_before = len(result.errors)
        text, problem = cell_to_id_text(cells.get("身份证号码"))
        hashed = ""
        if problem:
            result.errors.append(RowError(row_number, "身份证号码", problem))
        else:
            try:
                hashed = id_hash(parse_id_number(text, today=today).value)
            except IdNumberError as exc:
                result.errors.append(RowError(row_number, "身份证号码", str(exc)))
        try:
            day = cell_to_date(cells.get("评估日期"))
            if day > today:
                result.errors.append(RowError(row_number, "评估日期", "评估日期不能晚于今天"))
        except CellError as exc:
            day = None
            result.errors.append(RowError(row_number, "评估日期", exc.message))
        try:
            level = _level(cells.get("等级"))
        except CellError as exc:
            level = -1
            result.errors.append(RowError(row_number, "等级", exc.message))
        if len(result.errors) == errors_before:
            parsed.append((row_number, hashed, clean_name(cells.get("姓名")), day, level,
                           clean_text(cells.get("评估机构"))[:100]))

    people = {
        h: (pk, name, division)
        for pk, h, name, division in people_for(by).filter(id_number_hash__in={p[1] for p in parsed}).values_list(
            "pk", "id_number_hash", "name", "division_code")
    }
    existing = set(Assessment.objects.filter(scale=Scale.MZT039, person_id__in=[v[0] for v in people.values()])
                   .values_list("person_id", "assessed_on"))
    rows: list[Assessment] = []
    for row_number, hashed, name, day, level, source in parsed:
        found = people.get(hashed)
        if found is None:
            result.errors.append(RowError(row_number, "身份证号码", "在您的管辖范围内没有该身份证号码的老年人档案"))
            continue
        pk, registered_name, division = found
        if name and name != registered_name:
            result.errors.append(RowError(row_number, "姓名", f"与档案姓名“{registered_name}”不符"))
            continue
        if (pk, day) in existing:
            result.skipped += 1
            continue
        existing.add((pk, day))
        rows.append(Assessment(
            person_id=pk, division_code=division, scale=Scale.MZT039, status=Status.IMPORTED, mzt_level=level,
            assessed_on=day, valid_from=day, source=source or "历史数据导入", requested_by=by,
            request_note=f"导入自 {filename}"[:200],
        ))
    with audit_context(by), transaction.atomic():
        Assessment.objects.bulk_create(rows, batch_size=1000)
        audit_bulk(Assessment, operation="import_mzt039", count=len(rows), division_code=by.scope_prefix or "",
                   params={"filename": filename, "total": result.total, "errors": len(result.errors),
                           "skipped": result.skipped})
    result.imported = len(rows)
    result.errors.sort(key=lambda e: e.row)
    return result


def template_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "MZT039历史评估结果"
    ws.append(["身份证号码*", "姓名", "评估日期*", "等级*", "评估机构"])
    ws.append(["44170219500101123X", "张三", "2019-06-01", 2, "江城区社会福利中心"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws["G1"] = "等级：0 能力完好，1 轻度失能，2 中度失能，3 重度失能（MZ/T 039-2013）"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
