"""Reading spreadsheets (xlsx/xls/csv) as offices really produce them, and cleaning their cells.

Offices put a title row above the header, mark required columns with ``*``, add hints such as
``身份证号码(必填)``, type full-width digits, save CSV as GBK and let Excel turn ID numbers into
floats.  ``read_table`` finds the header, maps it to canonical names and yields rows with the row
number the user sees in Excel; the ``cell_to_*`` helpers turn raw cells into values or a Chinese
message saying what is wrong.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

__all__ = [
    "CellError",
    "Table",
    "TableError",
    "cell_to_date",
    "cell_to_decimal",
    "cell_to_id_text",
    "clean_name",
    "clean_text",
    "column_letter",
    "normalise_header",
    "read_table",
]

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
HEADER_SCAN_ROWS = 10
_CHUNK = 1 << 20

Source = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]
Row = tuple[int, dict[str, Any]]


class TableError(ValueError):
    """The file as a whole cannot be read; the message is Chinese and meant for the uploader."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class CellError(ValueError):
    """One cell cannot be converted; the message is Chinese and meant for the uploader."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --------------------------------------------------------------------------- cleaning

_TEXT_TABLE = str.maketrans(
    {
        **{cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)},  # full-width ASCII -> half-width
        **dict.fromkeys(
            map(ord, "\u3000\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"), " "
        ),
        **dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None),  # zero-width characters
    }
)
_NAME_DOTS = str.maketrans(dict.fromkeys("•・･‧∙⋅●", "·"))
_ASCII_DOT_IN_NAME = re.compile(r"(?<=[^\x00-\x7f])\s*\.\s*(?=[^\x00-\x7f])")


def clean_text(value: Any) -> str:
    """Cell -> tidy text: full-width ASCII to half-width, odd spaces to one space, ends stripped.

    Whole-number floats (``12.0``) become ``"12"`` and dates ISO text, as a person would expect.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        if value.isascii():  # the table changes only non-ASCII characters
            return " ".join(value.split())
        text = value
    elif isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        text = str(int(value))
    elif isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    return " ".join(text.translate(_TEXT_TABLE).split())


# Chinese characters only: no space, dot, full-width ASCII or zero-width character that cleaning changes.
PLAIN_NAME = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def clean_name(value: Any) -> str:
    """A person's name without any whitespace (``"张 三"`` -> ``"张三"``), keeping the middle dot of
    minority names and unifying its look-alikes (``买买提.艾力`` -> ``买买提·艾力``)."""
    if type(value) is str and PLAIN_NAME.fullmatch(value):  # the usual name: nothing to clean
        return value
    return _clean_name(value)


def _clean_name(value: Any) -> str:
    text = clean_text(value).translate(_NAME_DOTS)
    text = _ASCII_DOT_IN_NAME.sub("·", text)
    return "".join(text.split())


_HEADER_HINTS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|<[^<>]*>|〔[^〔〕]*〕")


def normalise_header(value: Any) -> str:
    """Header text as compared: no spaces, no ``*``/``※`` markers, no ``(必填)`` style hints."""
    text = _HEADER_HINTS.sub("", clean_text(value))
    text = text.replace("*", "").replace("※", "")
    return "".join(text.split()).rstrip(":：").lower()


def column_letter(number: int) -> str:
    """1 -> ``A``, 27 -> ``AA``."""
    letters = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --------------------------------------------------------------------------- tables


@dataclass(eq=False)
class Table:
    """A sheet with its header found.  Iterate it (once) for ``(row_number, {header: raw value})``."""

    filename: str
    headers: list[str | None]
    raw_headers: list[str]
    header_row: int
    missing_headers: list[str]
    rows: Iterator[Row]
    columns: dict[str, int] = field(default_factory=dict)  # canonical header -> 1-based column
    skipped_rows: list[int] = field(default_factory=list)  # rows `skip_row` left out (filled while iterating)
    encoding: str | None = None
    sheet_name: str | None = None
    _source: Iterator[Any] | None = field(default=None, repr=False)

    def __iter__(self) -> Iterator[Row]:
        return self.rows

    @property
    def unknown_headers(self) -> list[str]:
        """Non-empty header cells that matched no expected header (or repeated one)."""
        return [
            raw for raw, canon in zip(self.raw_headers, self.headers, strict=True) if raw and canon is None
        ]

    def column_of(self, header: str) -> str:
        """Spreadsheet column letter of a canonical header, e.g. ``"C"``; ``""`` if absent."""
        return column_letter(self.columns[header]) if header in self.columns else ""

    def close(self) -> None:
        """Release the file; needed only when the rows are not read to the end."""
        _close(self.rows)
        if self._source is not None:
            _close(self._source)

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_table(
    source: Source,
    *,
    filename: str,
    expected_headers: Sequence[str],
    aliases: Mapping[str, str] | None = None,
    header_scan_rows: int = HEADER_SCAN_ROWS,
    min_matches: int | None = None,
    max_rows: int | None = None,
    skip_row: Callable[[Sequence[Any]], bool] | None = None,
) -> Table:
    """Open an .xlsx/.xls/.csv upload (a path, bytes or a binary file object) and find its header.

    ``max_rows`` caps the data rows (a TableError saying the limit when exceeded).  Excel files are
    checked before they are parsed (an .xlsx's declared and real used range, its decompressed size)
    and parsed in a child process with a memory cap, so no file can take this process down.

    ``aliases`` maps other header spellings to canonical ones (``{"身份证号": "身份证号码"}``).  The header
    is the first of the first ``header_scan_rows`` non-blank rows in which at least half of
    ``expected_headers`` (or ``min_matches`` of them) are found.  Blank rows are skipped; row numbers are those Excel shows.
    CSV rows are streamed, so a file with a million rows is not loaded into memory.
    ``skip_row(cells)`` sees every data row's cells (all columns) and leaves out those it says are not
    data (summary and instruction lines); their numbers are in ``Table.skipped_rows``, they do not count
    against ``max_rows``.
    """
    if not expected_headers:
        raise ValueError("expected_headers must not be empty")
    lookup = _header_lookup(expected_headers, aliases or {})
    suffix = Path(filename).suffix.lower()

    def excel_table(src: Any) -> Table:
        raw_rows, sheet_name = _excel_rows(src, filename, max_rows=max_rows, header_scan_rows=header_scan_rows)
        return _build_table(
            raw_rows, filename, expected_headers, lookup, header_scan_rows, sheet_name=sheet_name,
            min_matches=min_matches, max_rows=max_rows, skip_row=skip_row,
        )

    if suffix in EXCEL_SUFFIXES:
        return excel_table(source)
    if suffix in CSV_SUFFIXES:
        fh, owned = _open_binary(source)
        try:
            head = fh.read(8)
            fh.seek(0)
            if _looks_like_excel(head):  # an .xlsx saved with a .csv name
                return excel_table(fh)
            encoding = _detect_encoding(fh)
            raw_rows = _csv_rows(fh, owned, encoding, filename)
        except BaseException:
            if owned:
                fh.close()
            raise
        return _build_table(
            raw_rows,
            filename,
            expected_headers,
            lookup,
            header_scan_rows,
            encoding=encoding,
            min_matches=min_matches,
            max_rows=max_rows,
            skip_row=skip_row,
        )
    raise TableError(
        f"不支持的文件类型“{suffix or filename}”，请上传 .xlsx、.xls 或 .csv 文件", code="file_type"
    )


def _header_lookup(expected: Sequence[str], aliases: Mapping[str, str]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for name in [*expected, *aliases]:
        key = normalise_header(name)
        canonical = aliases.get(name, name)
        if lookup.setdefault(key, canonical) != canonical:
            raise ValueError(f"header {name!r} is ambiguous: normalises to {key!r} like {lookup[key]!r}")
    return lookup


def _is_blank(cells: Sequence[Any]) -> bool:
    for cell in cells:
        if cell is None or cell == "" or (isinstance(cell, str) and not cell.strip()):
            continue
        return False
    return True


def _build_table(
    raw_rows: Iterator[tuple[int, list[Any]]],
    filename: str,
    expected: Sequence[str],
    lookup: Mapping[str, str],
    scan: int,
    *,
    encoding: str | None = None,
    sheet_name: str | None = None,
    min_matches: int | None = None,
    max_rows: int | None = None,
    skip_row: Callable[[Sequence[Any]], bool] | None = None,
) -> Table:
    expected_set = set(expected)
    needed = min_matches or max(1, (len(expected_set) + 1) // 2)
    scanned = 0
    found = None
    for row_number, cells in raw_rows:
        if _is_blank(cells):
            continue
        canon = [lookup.get(normalise_header(c)) for c in cells]
        if len(expected_set.intersection(canon)) >= needed:
            found = (row_number, cells, canon)
            break
        scanned += 1
        if scanned >= scan:
            break
    if found is None:
        _close(raw_rows)
        shown = "、".join(expected[:6]) + ("等" if len(expected) > 6 else "")
        raise TableError(
            f"在前{scan}行中没有找到表头：表头行应包含“{shown}”中至少{needed}项，请使用标准模板",
            code="no_header",
        )

    header_row, header_cells, canon = found
    headers: list[str | None] = []
    columns: dict[str, int] = {}
    for index, name in enumerate(canon):
        if name is None or name in columns:
            headers.append(None)
        else:
            headers.append(name)
            columns[name] = index + 1
    skipped: list[int] = []
    return Table(
        filename=filename,
        headers=headers,
        raw_headers=[clean_text(c) for c in header_cells],
        header_row=header_row,
        missing_headers=[h for h in expected if h not in columns],
        rows=_data_rows(raw_rows, columns, max_rows, skip_row, skipped),
        columns=columns,
        skipped_rows=skipped,
        encoding=encoding,
        sheet_name=sheet_name,
        _source=raw_rows,
    )


def too_many_rows(max_rows: int, found: int | None = None) -> TableError:
    """The one message for a file over its row limit."""
    count = f"有 {found} 行数据，" if found else ""
    return TableError(f"文件{count}超过每次最多 {max_rows} 行的上限，请拆分为多个文件分批上传", code="too_many_rows")


def _data_rows(
    raw_rows: Iterator[tuple[int, list[Any]]], columns: Mapping[str, int], max_rows: int | None = None,
    skip_row: Callable[[Sequence[Any]], bool] | None = None, skipped: list[int] | None = None,
) -> Iterator[Row]:
    picks = [(name, number - 1) for name, number in columns.items()]
    count = 0
    try:
        for row_number, cells in raw_rows:
            if _is_blank(cells):
                continue
            if skip_row is not None and skip_row(cells):
                if skipped is not None:
                    skipped.append(row_number)
                continue
            count += 1
            if max_rows is not None and count > max_rows:
                raise too_many_rows(max_rows)
            width = len(cells)
            yield row_number, {name: cells[i] if i < width else "" for name, i in picks}
    finally:
        _close(raw_rows)


def _close(iterator: Iterator[Any]) -> None:
    close = getattr(iterator, "close", None)
    if close is not None:
        close()


# --------------------------------------------------------------------------- excel


def _looks_like_excel(head: bytes) -> bool:
    return head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"))


def _excel_rows(
    source: Source, filename: str, *, max_rows: int | None = None, header_scan_rows: int = HEADER_SCAN_ROWS
) -> tuple[Iterator[tuple[int, list[Any]]], str]:
    from .sheetguard import check_xlsx, parse_excel, sheet_limits

    content = _read_all(source)
    limits = sheet_limits()
    row_cap = None if max_rows is None else max_rows + header_scan_rows + 1  # title and header rows
    check_xlsx(content, filename, limits, max_rows=row_cap, shown_max_rows=max_rows)
    sheet_name, data, merged = parse_excel(content, filename, limits)
    _fill_merged_down(data, merged)
    return ((number, cells) for number, cells in enumerate(data, start=1)), sheet_name


def _read_all(source: Source) -> bytes:
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as fh:
            return fh.read()
    if isinstance(source, bytes):
        return source
    if isinstance(source, bytearray | memoryview):
        return bytes(source)
    if getattr(source, "seekable", lambda: False)():
        source.seek(0)
    return source.read()


def _fill_merged_down(
    data: list[list[Any]], merged: Iterable[tuple[tuple[int, int], tuple[int, int]]]
) -> None:
    """A cell merged over several rows (e.g. one 社区 for a block of people) applies to each of them."""
    for (r0, c0), (r1, _c1) in merged:
        if r1 <= r0 or r0 >= len(data) or c0 >= len(data[r0]):
            continue
        value = data[r0][c0]
        for r in range(r0 + 1, min(r1, len(data) - 1) + 1):
            row = data[r]
            if c0 < len(row) and row[c0] == "":
                row[c0] = value


# --------------------------------------------------------------------------- csv


def _open_binary(source: Source) -> tuple[IO[bytes], bool]:
    """A seekable binary file and whether we opened it (and so must close it)."""
    if isinstance(source, str | os.PathLike):
        return open(source, "rb"), True
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(source), True
    if getattr(source, "seekable", lambda: False)():
        source.seek(0)
        return source, False
    return io.BytesIO(source.read()), True


def _detect_encoding(fh: IO[bytes]) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes strictly, else GB18030 (a superset of GBK).

    The whole file is checked first (a fast pass) so a decoding error cannot surface half-way
    through an import.
    """
    head = fh.read(4)
    fh.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates: tuple[str, ...] = ("utf-16",)
    elif head.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    else:
        candidates = ("utf-8-sig", "gb18030")
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeError:
            continue
        finally:
            fh.seek(0)
        return encoding
    raise TableError("无法识别文件编码，请在Excel中“另存为”“CSV UTF-8”格式后重新上传", code="encoding")


def _sniff_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _csv_rows(fh: IO[bytes], owned: bool, encoding: str, filename: str) -> Iterator[tuple[int, list[Any]]]:
    sample = fh.read(64 * 1024).decode(encoding, errors="ignore")
    fh.seek(0)
    delimiter = _sniff_delimiter(sample)
    text = io.TextIOWrapper(fh, encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    row_number = 0
    try:
        for row_number, cells in enumerate(reader, start=1):  # noqa: B007 - used in the error message
            yield row_number, cells
    except csv.Error as exc:
        raise TableError(f"“{filename}”第{row_number + 1}行无法解析（引号或分隔符不成对），请用Excel打开后另存为 CSV UTF-8 再上传",
                         code="csv") from exc
    finally:
        if owned:
            text.close()
        else:
            text.detach()


# --------------------------------------------------------------------------- cells

ID_AS_NUMBER = "身份证号码被Excel存为数字，精度已丢失（末位可能为X或被截断），请将该列设置为文本后重新填写"
ID_LOST_X = "身份证号码被Excel存为数字，末位X丢失，请将该列设置为文本后重新填写"
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d*)?[eE][+-]?\d+")
_FLOAT_TEXT = re.compile(r"(\d{15,18})\.0*")
_EXCEL_FORMULA_TEXT = re.compile(r'="(.*)"')


def cell_to_id_text(value: Any) -> tuple[str, str | None]:
    """ID number cell -> ``(text, problem)``; ``problem`` says in Chinese when Excel has mangled it.

    Excel keeps only 15 significant digits of a number, so an 18-digit ID typed into a number cell
    has lost its last digits (or its trailing X) and cannot be recovered.
    """
    if value is None or isinstance(value, bool):
        return ("" if value is None else str(value)), None
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value), ID_AS_NUMBER
        if value.is_integer() and abs(value) < 2**53:
            return _id_from_int(int(value))
        return (str(int(value)) if value.is_integer() else repr(value)), ID_AS_NUMBER
    if isinstance(value, int):
        return _id_from_int(value)
    if isinstance(value, Decimal):
        return _id_from_int(int(value)) if value == value.to_integral_value() else (str(value), ID_AS_NUMBER)

    text = "".join(clean_text(value).split())
    if text.isascii() and text.isalnum():  # digits and letters only: no formula, quote, point or exponent…
        text = text.upper()
        if "E" not in text:  # …unless scientific notation
            return text, None
    if m := _EXCEL_FORMULA_TEXT.fullmatch(text):
        text = m.group(1)
    text = text.lstrip("'").upper()
    if _SCIENTIFIC.fullmatch(text):
        return text, ID_AS_NUMBER
    if m := _FLOAT_TEXT.fullmatch(text):
        return m.group(1), ID_AS_NUMBER
    return text, None


def _id_from_int(number: int) -> tuple[str, str | None]:
    text = str(number)
    if len(text) == 17:
        return text, ID_LOST_X
    return text, None


_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_EXCEL_EPOCH = date(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31


def cell_to_date(value: Any) -> date:
    """A date cell (date, Excel serial number, or text such as ``1958-1-1``, ``1958年1月1日``, ``19580101``)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError("日期格式不正确", code="date")
    if isinstance(value, int | float | Decimal):
        number = float(value)
        if number.is_integer() and 18000101 <= number <= 21001231:
            return _date_from_digits(str(int(number)))
        return _date_from_serial(number)

    text = clean_text(value)
    if not text:
        raise CellError("日期为空", code="required")
    if len(text) == 10 and text[4] == "-" == text[7] and text.isascii():  # 1958-01-01, the usual way
        year, month, day = text[:4], text[5:7], text[8:]
        if year.isdigit() and month.isdigit() and day.isdigit():
            return _make_date(int(year), int(month), int(day), text)
    compact = "".join(text.split())
    if compact.isdigit():
        if len(compact) == 8:
            return _date_from_digits(compact)
        if len(compact) in (4, 6):
            raise CellError(f"日期“{text}”不完整，应包含年、月、日", code="date")
        raise CellError(f"无法识别的日期“{text}”，请写成 1958-01-01 的格式", code="date")
    if m := _DATE_TEXT.fullmatch(text):
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    if re.fullmatch(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*月?", text):
        raise CellError(f"日期“{text}”不完整，缺少日", code="date")
    raise CellError(f"无法识别的日期“{text}”，请写成 1958-01-01 的格式", code="date")


def _make_date(year: int, month: int, day: int, shown: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"日期不存在：{shown}", code="date") from None


def _date_from_digits(digits: str) -> date:
    return _make_date(int(digits[:4]), int(digits[4:6]), int(digits[6:]), digits)


def _date_from_serial(number: float) -> date:
    serial = int(number)
    if number < 1 or serial > _MAX_SERIAL:
        raise CellError(f"日期数值{number:g}超出范围", code="date")
    if serial == 60:
        raise CellError("日期不存在：1900-02-29（Excel的日期序号60）", code="date")
    if serial < 60:
        return date(1899, 12, 31) + timedelta(days=serial)
    return _EXCEL_EPOCH + timedelta(days=serial)


_MONEY_STRIP = re.compile(r"^(?:人民币|RMB|CNY|[¥￥])+|(?:元整|元|圆|块)$", re.IGNORECASE)
_MONEY_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def cell_to_decimal(value: Any) -> Decimal:
    """A money cell (``1,200.50``, ``￥100``, ``100元``, ``1.2万``) -> ``Decimal``."""
    if isinstance(value, bool):
        raise CellError("金额格式不正确", code="decimal")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        text = "".join(clean_text(value).split())
        if not text:
            raise CellError("金额为空", code="required")
        number = _MONEY_STRIP.sub("", text).replace(",", "")
        scale = 1
        if number.endswith("万"):
            number, scale = number[:-1], 10000
        if not _MONEY_NUMBER.fullmatch(number):
            raise CellError(f"金额“{text}”格式不正确，应为数字，如 1200.50", code="decimal")
        try:
            result = Decimal(number) * scale
        except InvalidOperation:
            raise CellError(f"金额“{text}”格式不正确", code="decimal") from None
    if not result.is_finite():
        raise CellError("金额格式不正确", code="decimal")
    return result
