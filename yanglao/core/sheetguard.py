"""Spreadsheets that cannot take the process down: check an .xlsx before parsing it, parse in a child.

A 1.7 KB .xlsx can declare a used range of 1,048,576 rows × 16,384 columns (``<dimension
ref="A1:XFD1048576"/>``) or hold one cell at ``XFD1048576``; a spreadsheet library that sizes its
grid from either allocates hundreds of GB and aborts the process.  Two defences, both here:

1. ``check_xlsx`` opens the zip and reads, streaming and with a cap on the decompressed bytes (a zip
   bomb stops at the cap), the workbook, the sheet the reader will use and its real cells; it
   refuses in milliseconds, with a Chinese message saying the limit, a sheet whose declared or real
   used range, row count or cell count is over the limits — before any grid is allocated.
2. ``parse_excel`` parses in a child process (``yanglao.core.sheetproc``) whose address space is
   capped with ``resource.setrlimit(RLIMIT_AS)``.  Whatever the check cannot see (an .xls/.xlsb/.ods,
   which have no cheap pre-check, or a parser bug) ends the child, never the web server or the
   worker; the caller gets a TableError.  A child process rather than an in-process streaming
   parser because the fast reader (python-calamine, Rust) cannot be interrupted or bounded from
   Python, and a memory limit set in this process would also bound everything else it does.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import posixpath
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from .tabular import TableError, column_letter, too_many_rows

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
_SMALL_PART = 8 * 1024 * 1024  # workbook.xml and its relationships are small in every real file
_READ = 1 << 20


@dataclass(frozen=True)
class SheetLimits:
    max_columns: int = 256
    max_cells: int = 5_000_000
    max_unzipped_bytes: int = 512 * 1024 * 1024
    memory_mb: int = 2048
    timeout_seconds: int = 300


def sheet_limits() -> SheetLimits:
    """The limits from the settings (``YANGLAO_SHEET_*``), or the defaults outside Django."""
    try:
        from django.conf import settings

        if not settings.configured:
            return SheetLimits()
        default = SheetLimits()
        return SheetLimits(
            max_columns=getattr(settings, "SHEET_MAX_COLUMNS", default.max_columns),
            max_cells=getattr(settings, "SHEET_MAX_CELLS", default.max_cells),
            max_unzipped_bytes=getattr(settings, "SHEET_MAX_UNZIPPED_MB", 512) * 1024 * 1024,
            memory_mb=getattr(settings, "SHEET_PARSE_MEMORY_MB", default.memory_mb),
            timeout_seconds=getattr(settings, "SHEET_PARSE_TIMEOUT_SECONDS", default.timeout_seconds),
        )
    except ImportError:  # pragma: no cover - Django is always installed here
        return SheetLimits()


# --------------------------------------------------------------------------- the pre-check

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
# A start tag of <row>, <c> or <dimension> (any namespace prefix), attributes with quoted values
# that may contain ">": a cell cannot hide from the scan behind an odd attribute.
# "<" never appears inside a tag of well-formed XML, so no attempt reads past the next "<" (linear time).
_TAG = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?(row|c|dimension)(?=[\s/>])((?:[^<>"']|"[^<"]*"|'[^<']*')*)>""")
_ATTR_R = re.compile(rb"""\sr\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ATTR_REF = re.compile(rb"""\sref\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_REF = re.compile(r"\$?([A-Z]{1,3})\$?([1-9]\d{0,6})")
_ROW_NUMBER = re.compile(r"[1-9]\d{0,6}")


class _Budget:
    """Decompressed bytes left to read across the parts checked (defeats zip bombs)."""

    def __init__(self, total: int, filename: str) -> None:
        self.left = total
        self.total = total
        self.filename = filename

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise TableError(
                f"“{self.filename}”解压后超过 {self.total // (1024 * 1024)} MB 的上限"
                "（文件可能是压缩炸弹或含有大量无用内容），请另存为新的 .xlsx 后再上传",
                code="too_large",
            )


def _read_part(zf: zipfile.ZipFile, name: str, budget: _Budget, cap: int | None = None) -> bytes:
    info = zf.getinfo(name)
    if cap is not None and info.file_size > cap:
        raise _unreadable(budget.filename, "工作簿结构过大")
    budget.take(0)
    out = bytearray()
    with zf.open(info) as fh:
        while chunk := fh.read(_READ):
            budget.take(len(chunk))
            out += chunk
            if cap is not None and len(out) > cap:
                raise _unreadable(budget.filename, "工作簿结构过大")
    return bytes(out)


def _unreadable(filename: str, why: str) -> TableError:
    return TableError(
        f"无法读取Excel文件“{filename}”（{why}）。文件可能已损坏，或并非真正的Excel文件，请用Excel打开后另存为 .xlsx 再上传",
        code="unreadable",
    )


def _first_sheet_part(zf: zipfile.ZipFile, budget: _Budget) -> tuple[str, str] | None:
    """(part name, sheet name) of the first visible worksheet, as the reader chooses it."""
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names:
        return None
    workbook = _read_part(zf, "xl/workbook.xml", budget, _SMALL_PART)
    rels_name = "xl/_rels/workbook.xml.rels"
    rels = _read_part(zf, rels_name, budget, _SMALL_PART) if rels_name in names else b""
    if b"<!DOCTYPE" in workbook or b"<!DOCTYPE" in rels:
        raise _unreadable(budget.filename, "含有不允许的文档类型声明")
    try:
        wb_root = ElementTree.fromstring(workbook)
        rel_root = ElementTree.fromstring(rels) if rels else None
    except ElementTree.ParseError as exc:
        raise _unreadable(budget.filename, "工作簿结构无法解析") from exc
    targets: dict[str, tuple[str, str]] = {}
    if rel_root is not None:
        for rel in rel_root.iter(f"{{{_NS_PKG_REL}}}Relationship"):
            target = rel.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id", "")] = (part, rel.get("Type", ""))
    sheets = []
    for sheet in wb_root.iter(f"{{{_NS_MAIN}}}sheet"):
        part, kind = targets.get(sheet.get(f"{{{_NS_REL}}}id", ""), ("", ""))
        visible = sheet.get("state", "visible") == "visible"
        sheets.append((part, sheet.get("name", ""), visible, kind.endswith("/worksheet")))
    chosen = next((s for s in sheets if s[2] and s[3]), sheets[0] if sheets else None)
    if chosen is None or chosen[0] not in names:
        return None
    return chosen[0], chosen[1]


def _over(rows: int, cols: int, limits: SheetLimits, max_rows: int | None) -> bool:
    return (max_rows is not None and rows > max_rows) or cols > limits.max_columns or rows * cols > limits.max_cells


def _limit_text(limits: SheetLimits, max_rows: int | None) -> str:
    rows = f"{max_rows} 行、" if max_rows is not None else ""
    return f"{rows}{limits.max_columns} 列、共 {limits.max_cells} 个单元格"


def check_xlsx(
    content: bytes, filename: str, limits: SheetLimits, *, max_rows: int | None = None,
    shown_max_rows: int | None = None,
) -> None:
    """Refuse, before parsing, an .xlsx whose first sheet declares or fills a range over the limits.

    Does nothing for files that are not .xlsx/.xlsm (an .xls, .xlsb or .ods is guarded by the child
    process alone).  ``max_rows`` counts every row of the sheet (title and header rows included);
    ``shown_max_rows`` is the data-row limit named in the message.
    """
    if not content.startswith(b"PK\x03\x04"):
        return
    budget = _Budget(limits.max_unzipped_bytes, filename)
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _unreadable(filename, "压缩结构损坏") from exc
    with zf:
        try:
            found = _first_sheet_part(zf, budget)
            if found is None:
                return
            part, sheet_name = found
            for other in ("xl/sharedStrings.xml",):  # loaded whole by the reader: counts towards the cap
                if other in zf.namelist():
                    with zf.open(other) as fh:
                        while chunk := fh.read(_READ):
                            budget.take(len(chunk))
            _scan_sheet(zf, part, sheet_name, filename, budget, limits, max_rows, shown_max_rows)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as exc:
            raise _unreadable(filename, "压缩内容损坏") from exc


class _Scan:
    """The used range found so far in one sheet, refused as soon as it is over the limits."""

    def __init__(self, sheet_name: str, filename: str, limits: SheetLimits, max_rows: int | None,
                 shown_max_rows: int | None) -> None:
        self.sheet_name, self.filename, self.limits = sheet_name, filename, limits
        self.max_rows, self.shown_max_rows = max_rows, shown_max_rows
        self.limit_text = _limit_text(limits, shown_max_rows)
        self.max_row = self.max_col = 0
        self.in_data = False  # <dimension> comes before <sheetData>

    def dimension(self, body: bytes) -> None:
        if self.in_data:
            return
        head = body
        data_at = _SHEET_DATA.search(body)
        if data_at:
            head, self.in_data = body[: data_at.start()], True
        for m in _TAG.finditer(head):
            if m.group(1) == b"dimension":
                self.declared(m.group(2))

    def declared(self, attrs: bytes) -> None:
        ref = _ATTR_REF.search(attrs)
        rows, cols = _range_size(ref and (ref.group(1) or ref.group(2) or b"").decode("ascii", "replace"))
        if rows and _over(rows, cols, self.limits, self.max_rows):
            raise TableError(
                f"表格声明的范围过大（{rows} 行 × {cols} 列），超过上限（{self.limit_text}）。"
                f"请删除工作表“{self.sheet_name}”中多余的行和列（或把数据复制到新工作表）后另存再上传",
                code="too_large",
            )

    def used(self, row: int, col: int) -> None:
        self.max_row = max(self.max_row, row)
        self.max_col = max(self.max_col, col)
        max_row, max_col = self.max_row, self.max_col
        if max_row > EXCEL_MAX_ROWS or max_col > EXCEL_MAX_COLUMNS or _over(max_row, max_col, self.limits,
                                                                               self.max_rows):
            if self.max_rows is not None and max_row > self.max_rows and max_col <= self.limits.max_columns:
                raise too_many_rows(self.shown_max_rows or self.max_rows, max_row)
            raise TableError(
                f"表格的使用范围过大（有内容的单元格到 {column_letter(max_col)}{max_row}，即 {max_row} 行 × {max_col} 列），"
                f"超过上限（{self.limit_text}）。请删除工作表“{self.sheet_name}”中多余的行和列后另存再上传",
                code="too_large",
            )


_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData\b")
# The fast path: files written by Excel, WPS, LibreOffice and openpyxl give every <row> and <c> an
# r="…" attribute in double quotes and use no namespace prefix.  When the counts of those tags and
# of strict r="A1" references in a stretch of the file differ, the precise tokenizer decides.
_FAST_LETTERS = re.compile(rb' r="([A-Z]{0,3})[1-9][0-9]{0,6}"')
_FAST_DIGITS = re.compile(rb' r="[A-Z]{0,3}([1-9][0-9]{0,6})"')
_BATCH = 8 * _READ


def _bodies(zf: zipfile.ZipFile, part: str, budget: _Budget, filename: str) -> Iterator[bytes]:
    """The sheet XML in pieces that each end just before a "<" (so no tag is cut in two)."""
    rest = b""
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(_BATCH)
            if not chunk:
                if rest:
                    yield rest
                return
            budget.take(len(chunk))
            buf = rest + chunk
            cut = buf.rfind(b"<")
            if cut <= 0:
                rest = buf
                if len(rest) > 4 * _BATCH:
                    raise _unreadable(filename, "工作表结构异常")
                continue
            rest = buf[cut:]
            yield buf[:cut]


def _fast_stretch(body: bytes, scan: _Scan) -> bool:
    """Account for one stretch by counting; False when it needs the precise tokenizer."""
    tags = (body.count(b"<c ") + body.count(b"<c>") + body.count(b"<c/>") + body.count(b"<row ")
            + body.count(b"<row>"))
    refs = body.count(b' r="')
    if tags != refs:
        return False
    letters = _FAST_LETTERS.findall(body)
    if len(letters) != refs:
        return False
    digits = _FAST_DIGITS.findall(body)
    if not letters:
        return True
    max_col = max(_column_number(x.decode("ascii")) for x in set(letters))
    scan.used(max(map(int, set(digits))), max_col)
    return True


def _scan_sheet(
    zf: zipfile.ZipFile, part: str, sheet_name: str, filename: str, budget: _Budget, limits: SheetLimits,
    max_rows: int | None, shown_max_rows: int | None,
) -> None:
    scan = _Scan(sheet_name, filename, limits, max_rows, shown_max_rows)
    left = budget.left
    for body in _bodies(zf, part, budget, filename):
        scan.dimension(body)
        if not _fast_stretch(body, scan):
            break
    else:
        return
    budget.left = left  # an unusual file: read it again with the precise tokenizer
    _precise_scan(zf, part, filename, budget, scan)


def _precise_scan(zf: zipfile.ZipFile, part: str, filename: str, budget: _Budget, scan: _Scan) -> None:
    row = col = 0
    for body in _bodies(zf, part, budget, filename):
        for m in _TAG.finditer(body):
            name, attrs = m.group(1), m.group(2)
            if name == b"dimension":
                scan.declared(attrs)
                continue
            r = _ATTR_R.search(attrs)
            value = (r.group(1) or r.group(2) or b"").decode("ascii", "replace") if r else None
            if name == b"row":
                if value is None:
                    row += 1
                elif _ROW_NUMBER.fullmatch(value):
                    row = int(value)
                else:
                    raise _unreadable(filename, f"无法识别的行号“{value[:20]}”")
                col = 0
                scan.used(row, 0)
            else:
                if value is None:
                    col += 1
                else:
                    cm = _CELL_REF.fullmatch(value)
                    if cm is None:
                        raise _unreadable(filename, f"无法识别的单元格位置“{value[:20]}”")
                    col = _column_number(cm.group(1))
                    row = max(row, int(cm.group(2)))
                scan.used(row, col)


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _range_size(ref: str | None) -> tuple[int, int]:
    """``"A1:XFD1048576"`` -> (1048576, 16384); anything unreadable -> (0, 0) (the real cells decide)."""
    if not ref:
        return 0, 0
    parts = ref.upper().split(":")
    cells = [_CELL_REF.fullmatch(p) for p in parts]
    if not all(cells) or len(cells) > 2:
        return 0, 0
    first, last = cells[0], cells[-1]
    assert first is not None and last is not None
    rows = abs(int(last.group(2)) - int(first.group(2))) + 1
    cols = abs(_column_number(last.group(1)) - _column_number(first.group(1))) + 1
    return max(rows, int(last.group(2))), max(cols, _column_number(last.group(1)))


# --------------------------------------------------------------------------- the child process

logger = logging.getLogger("yanglao.uploads")
# The child needs to find Python and this package, nothing else: no keys or database settings.
_CHILD_ENV = ("PATH", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR")


def _child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k in _CHILD_ENV}



def parse_excel(content: bytes, filename: str, limits: SheetLimits) -> tuple[str, list[list[Any]], list[Any]]:
    """(sheet name, rows as lists, merged ranges) of the first visible worksheet, parsed in a child
    process capped at ``limits.memory_mb`` of address space and ``limits.timeout_seconds``."""
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "yanglao.core.sheetproc", str(limits.memory_mb)],
            input=content, capture_output=True, timeout=limits.timeout_seconds, check=False, env=_child_env(),
        )
    except subprocess.TimeoutExpired as exc:
        raise TableError(
            f"读取“{filename}”超过 {limits.timeout_seconds} 秒仍未完成，已停止。请删除多余的行、列和格式后另存再上传",
            code="too_large",
        ) from exc
    if proc.returncode != 0 or not proc.stdout:
        logger.warning("spreadsheet parser child ended with %s for %r (%d bytes): %s", proc.returncode, filename,
                       len(content), proc.stderr[-500:].decode("utf-8", "replace"))
        raise TableError(
            f"无法读取Excel文件“{filename}”：读取所需内存超过 {limits.memory_mb} MB 的上限，或文件已损坏。"
            "请删除多余的行、列和格式（或把数据复制到新工作表）后另存为 .xlsx 再上传",
            code="too_large",
        )
    result = pickle.loads(proc.stdout)  # noqa: S301 - our own child process, not the upload
    if result[0] == "error":  # the reader's own words are English ("Cannot detect file format"): logged only
        logger.info("spreadsheet reader refused %r: %s", filename, result[1])
        raise TableError(
            f"无法读取Excel文件“{filename}”。文件可能已损坏、加密，或并非真正的Excel文件，"
            "请用Excel打开后另存为 .xlsx 再上传",
            code="unreadable",
        )
    _ok, sheet_name, data, merged = result
    return sheet_name, data, merged
