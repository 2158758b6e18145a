"""Exporting any filtered list of people to .csv or .xlsx: masked by default, audited, streamed."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

from yanglao.core import crypto
from yanglao.core.audit import audit_export
from yanglao.core.cells import csv_row, sheet_row
from yanglao.core.errors import Forbidden
from yanglao.core.http import XLSX_CONTENT_TYPE

from .choices import LivingSituation, Sex, Status
from .models import Person

HEADERS = ["档案编号", "姓名", "身份证号码", "性别", "出生日期", "年龄", "联系电话", "居住社区代码", "居住地址", "居住状况", "状态"]
CHUNK = 2000
_SEX = dict(Sex.choices)
_LIVING = dict(LivingSituation.choices)
_STATUS = dict(Status.choices)


def _rows(qs: QuerySet[Person], *, masked: bool) -> Iterator[list[Any]]:
    today = timezone.localdate()
    fields = ["id", "name", "id_number_masked", "id_number_enc", "sex", "birth_date", "phone_masked", "phone_enc",
              "division_code", "address", "living_situation", "status"]
    for p in qs.order_by("pk").values_list(*fields).iterator(chunk_size=CHUNK):
        pk, name, id_masked, id_enc, sex, birth, phone_masked, phone_enc, division, address, living, status = p
        age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
        yield [
            pk, name, id_masked if masked else crypto.decrypt(id_enc), str(_SEX.get(sex, sex)),
            birth.strftime("%Y-%m-%d"), age, phone_masked if masked else crypto.decrypt(phone_enc), division, address,
            str(_LIVING.get(living, living)), str(_STATUS.get(status, status)),
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_people(*, by: Any, qs: QuerySet[Person], fmt: str, masked: bool, filters: dict[str, Any]) -> Any:
    """A streamed response. Unmasked exports need the reveal capability; every export is audited."""
    if not by.can("people.export"):
        raise Forbidden()
    if not masked and not by.can("people.reveal"):
        raise Forbidden("您没有导出完整身份证号码和电话的权限")
    count = qs.count()
    audit_export(Person, count=count, fmt=fmt, filters={k: str(v) for k, v in filters.items() if v not in (None, "")},
                 masked=masked, division_code=by.scope_prefix or "")
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    if fmt == "csv":
        writer = csv.writer(_Echo())

        def stream() -> Iterator[str]:
            yield "\ufeff"  # BOM: Excel opens UTF-8 CSV correctly
            yield writer.writerow(HEADERS)
            for row in _rows(qs, masked=masked):
                yield writer.writerow(csv_row(row))  # free text (addresses, names) never as a formula

        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f"attachment; filename=people-{stamp}.csv"
        return response
    wb = Workbook(write_only=True)  # rows go to a temporary file, not memory
    ws = wb.create_sheet("老年人名单")
    ws.append(HEADERS)
    for row in _rows(qs, masked=masked):
        sheet_row(ws, row)  # free text (addresses, names) never as a formula
    tmp = tempfile.TemporaryFile()
    wb.save(tmp)
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename=f"people-{stamp}.xlsx",
                        content_type=XLSX_CONTENT_TYPE)


def read_back(content: bytes) -> list[list[str]]:
    """Parse an exported CSV (used by tests and the docs' examples)."""
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
