"""Export of the people at moderate disability or worse (level ≥ 2): masked IDs, audited."""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook

from yanglao.core.audit import audit_export
from yanglao.core.cells import sheet_row
from yanglao.core.errors import Forbidden
from yanglao.core.http import XLSX_CONTENT_TYPE
from yanglao.people.choices import Sex
from yanglao.people.models import Person

from . import selectors

HEADERS = ["档案编号", "姓名", "身份证号码（脱敏）", "性别", "年龄", "居住社区代码", "能力等级", "等级名称",
           "评估结果编号", "审核日期", "有效期至"]
_SEX = dict(Sex.choices)


def _age(birth: dt.date, on: dt.date) -> int:
    """Age, never the birth date: beside a masked ID number the date would complete it."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def export_people_at_level(*, by: Any, qs: QuerySet[Person], on: dt.date, division: str = "") -> FileResponse:
    if not by.can("assessments.export"):
        raise Forbidden()
    people = list(qs.values_list("id", "name", "id_number_masked", "sex", "birth_date", "division_code"))
    levels = selectors.care_levels_for([p[0] for p in people], on)
    audit_export(Person, count=len(people), fmt="xlsx", filters={"care_level__gte": 2, "on": on.isoformat(),
                                                                 "division": division},
                 masked=True, division_code=by.scope_prefix or "")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("中度失能及以上")
    ws.append(HEADERS)
    for pk, name, masked, sex, birth, division_code in people:
        care = levels.get(pk)
        if care is None:  # pragma: no cover - the queryset only holds people with a current level
            continue
        sheet_row(ws, [pk, name, masked, str(_SEX.get(sex, sex)), _age(birth, on), division_code, care.level,
                   care.level_name, care.assessment_id, care.assessed_on.isoformat(), care.valid_until.isoformat()])
    tmp = tempfile.TemporaryFile()
    wb.save(tmp)
    tmp.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    return FileResponse(tmp, as_attachment=True, filename=f"care-level-2plus-{stamp}.xlsx",
                        content_type=XLSX_CONTENT_TYPE)
