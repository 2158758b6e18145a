"""Upload limits per kind of upload, enforced in one place for every upload path.

``settings.UPLOAD_LIMITS`` maps a kind (``"people"``, ``"people_cli"``, ``"assessments"``,
``"reconciliation"``) to (largest file in MB, most data rows), read from the environment
(``YANGLAO_UPLOAD_MAX_MB_<KIND>``, ``YANGLAO_UPLOAD_MAX_ROWS_<KIND>``; see docs/configuration.md).
A service that takes an uploaded file calls ``check_upload`` before storing or reading it and
passes ``limit.max_rows`` to ``read_table``, which refuses a longer file with the limit in Chinese;
``read_upload`` does both for a file read in the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from .errors import ValidationFailed
from .tabular import Row, Table, TableError, read_table

KIND_LABELS = {
    "people": "老年人信息导入",
    "people_cli": "老年人信息导入（命令行）",
    "assessments": "历史评估结果导入",
    "reconciliation": "发放结果（对账）文件",
    "homeadapt_photo": "适老化改造照片",
    "matching": "数据比对名单",
    "insurer_statement": "保险公司承保清单",
    "planning_estates": "住宅小区配建导入",
    "custody_statement": "预收费存管对账单",
    "policytasks_attachment": "政策任务进展附件",
    "funding_spending": "养老资金支出明细导入",
    "funding_attachment": "养老资金支出凭证附件",
}


@dataclass(frozen=True)
class UploadLimit:
    kind: str
    label: str
    max_bytes: int
    max_rows: int

    @property
    def max_mb(self) -> int:
        return self.max_bytes // (1024 * 1024)


def upload_limit(kind: str) -> UploadLimit:
    """The configured limit of one kind of upload (KeyError for an unknown kind: a programming error)."""
    max_mb, max_rows = settings.UPLOAD_LIMITS[kind]
    return UploadLimit(kind=kind, label=KIND_LABELS.get(kind, kind), max_bytes=max_mb * 1024 * 1024,
                       max_rows=max_rows)


def check_upload(*, kind: str, filename: str, size: int) -> UploadLimit:
    """Refuse an empty file or one over the size limit of its kind; return the limit (for its rows)."""
    limit = upload_limit(kind)
    if size <= 0:
        raise ValidationFailed("上传的文件是空的", details={"file": "文件为空"})
    if size > limit.max_bytes:
        shown = f"{size / (1024 * 1024):.1f} MB"
        message = (f"文件“{filename}”大小为 {shown}，超过{limit.label}每个文件 {limit.max_mb} MB 的上限，"
                   f"请拆分为多个文件（每个不超过 {limit.max_rows} 行）分批上传")
        raise ValidationFailed(message, code="file_too_large", details={"file": message})
    return limit


def read_upload(content: bytes, *, kind: str, filename: str, **options: Any) -> Table:
    """An uploaded spreadsheet read within the limits of its kind: the size checked first, then
    ``read_table`` with the row limit (and its checks of the declared and used range).  Any
    TableError, when opening or while the rows are read, becomes a ValidationFailed (a 400 with
    the Chinese message)."""
    limit = check_upload(kind=kind, filename=filename, size=len(content))
    try:
        table = read_table(content, filename=filename, max_rows=limit.max_rows, **options)
    except TableError as exc:
        raise _refused(exc) from exc
    table.rows = _refusing(table.rows)
    return table


def _refused(exc: TableError) -> ValidationFailed:
    return ValidationFailed(exc.message, code="file_refused" if exc.code == "too_large" else None,
                            details={"file": exc.message})


def _refusing(rows: Iterator[Row]) -> Iterator[Row]:
    try:
        yield from rows
    except TableError as exc:
        raise _refused(exc) from exc
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def read_uploaded(upload: Any, *, kind: str) -> bytes:
    """The bytes of an uploaded file (Django's UploadedFile), refused by its size before it is read
    into memory: a view passes these to the service, which checks them again (``check_upload``)."""
    check_upload(kind=kind, filename=upload.name, size=upload.size)
    return upload.read()
