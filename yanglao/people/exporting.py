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
from yanglao.core.dictionaries import dictionary_labels
from yanglao.core.errors import Forbidden
from yanglao.core.http import XLSX_CONTENT_TYPE

from . import unmasked
from .choices import Sex, Status
from .models import Person, UnmaskedExportRequest

HEADERS = ["档案编号", "姓名", "身份证号码", "性别", "出生日期", "年龄", "联系电话", "居住社区代码", "居住地址", "居住状况", "状态"]
# A masked list shows the age, never the birth date: the date is digits 7–14 of the ID number and
# would complete the masked number beside it.
MASKED_HEADERS = [h for h in HEADERS if h != "出生日期"]
CHUNK = 2000
_SEX = dict(Sex.choices)
_STATUS = dict(Status.choices)


def _rows(qs: QuerySet[Person], *, masked: bool) -> Iterator[list[Any]]:
    today = timezone.localdate()
    living_labels = dictionary_labels("living_situation")  # values offices added in 字典管理 too
    fields = ["id", "name", "id_number_masked", "id_number_enc", "sex", "birth_date", "phone_masked", "phone_enc",
              "division_code", "address", "living_situation", "status"]
    for p in qs.order_by("pk").values_list(*fields).iterator(chunk_size=CHUNK):
        pk, name, id_masked, id_enc, sex, birth, phone_masked, phone_enc, division, address, living, status = p
        age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
        row = [
            pk, name, id_masked if masked else crypto.decrypt(id_enc), str(_SEX.get(sex, sex)),
            birth.strftime("%Y-%m-%d"), age, phone_masked if masked else crypto.decrypt(phone_enc), division, address,
            str(living_labels.get(living, living)), str(_STATUS.get(status, status)),
        ]
        if masked:
            del row[4]
        yield row


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_people(*, by: Any, qs: QuerySet[Person], fmt: str, masked: bool, filters: dict[str, Any],
                  reason: str = "", approved: UnmaskedExportRequest | None = None) -> Any:
    """A streamed response; every export is audited. Unmasked exports need their own capability and a
    reason, and above the row cap an approved request (see unmasked.py)."""
    if not by.can("people.export"):
        raise Forbidden()
    approved_by = ""
    if masked:
        count = qs.count()
    elif approved is not None:  # the second signature was given for exactly this export
        reason, count, approved_by = approved.reason, qs.count(), approved.decided_by.get_username()
    else:
        reason, count = unmasked.check_direct(by=by, qs=qs, reason=reason)
    headers = MASKED_HEADERS if masked else HEADERS
    audit_export(Person, count=count, fmt=fmt, filters=unmasked.plain_filters(filters), masked=masked,
                 division_code=by.scope_prefix or "", reason=reason, approved_by=approved_by)
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    if fmt == "csv":
        writer = csv.writer(_Echo())

        def stream() -> Iterator[str]:
            yield "\ufeff"  # BOM: Excel opens UTF-8 CSV correctly
            yield writer.writerow(headers)
            for row in _rows(qs, masked=masked):
                yield writer.writerow(csv_row(row))  # free text (addresses, names) never as a formula

        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f"attachment; filename=people-{stamp}.csv"
        return response
    wb = Workbook(write_only=True)  # rows go to a temporary file, not memory
    ws = wb.create_sheet("老年人名单")
    ws.append(headers)
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
