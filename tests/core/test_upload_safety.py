"""Uploads that cannot kill the server (issue 18 items 6, 7) and cells that are never formulas (item 16).

The spreadsheet reader is the one path every upload takes (``core.tabular.read_table``): it checks an
.xlsx's declared and real used range before parsing, caps the decompressed bytes it reads, parses in
a child process with a memory limit, and refuses a file over its row limit, each time with a Chinese
message that names the limit.
"""

from __future__ import annotations

import csv
import io
import os
import time
from decimal import Decimal

import openpyxl
import pytest
from django.test import override_settings

from yanglao.core.cells import csv_row, is_formula_like, sheet_row
from yanglao.core.errors import ValidationFailed
from yanglao.core.sheetguard import SheetLimits, parse_excel
from yanglao.core.tabular import TableError, read_table
from yanglao.core.uploads import check_upload, read_upload

from .sheets import sparse_xlsx, xlsx_with_sheet, zip_bomb_xlsx

HEADERS = ["姓名", "身份证号码"]


def _refused(content: bytes, **options) -> tuple[TableError, float]:
    started = time.perf_counter()
    with pytest.raises(TableError) as caught:
        read_table(content, filename="sparse.xlsx", expected_headers=HEADERS, **options)
    return caught.value, time.perf_counter() - started


def test_a_sheet_declaring_the_whole_grid_is_refused_in_milliseconds_with_the_limit():
    content = sparse_xlsx(HEADERS, declared=True, far_cell=False)
    assert len(content) < 2048
    error, seconds = _refused(content)
    assert "表格声明的范围过大（1048576 行 × 16384 列），超过上限" in error.message
    assert "256 列" in error.message and error.code == "too_large"
    assert seconds < 0.5


def test_one_cell_at_xfd1048576_is_refused_in_milliseconds_before_any_parse():
    content = sparse_xlsx(HEADERS, declared=False, far_cell=True)
    assert len(content) < 2048
    error, seconds = _refused(content)
    assert "XFD1048576" in error.message and "1048576 行 × 16384 列" in error.message
    assert seconds < 0.5


def test_the_issue_file_with_both_is_refused_and_this_process_is_still_here():
    pid = os.getpid()
    error, seconds = _refused(sparse_xlsx(HEADERS))
    assert "过大" in error.message and seconds < 0.5
    assert os.getpid() == pid  # the same process answers the next request
    ok = read_table(xlsx_with_sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
                                    '<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c></row>'),
                    filename="ok.xlsx", expected_headers=HEADERS, min_matches=1)
    assert [cells["姓名"] for _n, cells in ok] == ["张三"]


def test_a_parse_that_needs_too_much_memory_ends_the_child_process_not_this_one():
    # Bypass the pre-check: hand the file straight to the parser. The child asks for the whole grid,
    # hits its address-space limit and dies; this process gets a TableError and carries on.
    pid = os.getpid()
    with pytest.raises(TableError) as caught:
        parse_excel(sparse_xlsx(HEADERS, declared=False), "sparse.xlsx", SheetLimits(memory_mb=512))
    assert "内存超过 512 MB 的上限" in caught.value.message
    assert os.getpid() == pid


@override_settings(SHEET_MAX_UNZIPPED_MB=1)
def test_a_zip_bomb_stops_at_the_decompressed_cap():
    content = zip_bomb_xlsx(HEADERS, unzipped_mb=8)
    assert len(content) < 64 * 1024
    error, seconds = _refused(content)
    assert "解压后超过 1 MB 的上限" in error.message and seconds < 2


def test_an_xlsx_over_the_row_limit_is_refused_before_parsing_with_the_limit():
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>张{n}</t></is></c></row>' for n in range(2, 40))
    content = xlsx_with_sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>' + rows)
    error, _seconds = _refused(content, max_rows=5, min_matches=1)
    assert "超过每次最多 5 行的上限" in error.message and error.code == "too_many_rows"


def test_a_csv_over_the_row_limit_is_refused_with_the_limit():
    content = ("姓名,身份证号码\n" + "".join(f"张{n},1\n" for n in range(10))).encode()
    table = read_table(content, filename="a.csv", expected_headers=HEADERS, max_rows=5)
    with pytest.raises(TableError) as caught:
        list(table)
    assert "超过每次最多 5 行的上限" in caught.value.message
    assert len(list(read_table(content, filename="a.csv", expected_headers=HEADERS, max_rows=10))) == 10


@override_settings(UPLOAD_LIMITS={"assessments": (1, 10)})
def test_an_upload_over_its_size_limit_is_refused_saying_the_limit():
    with pytest.raises(ValidationFailed) as caught:
        check_upload(kind="assessments", filename="big.xlsx", size=3 * 1024 * 1024)
    assert "大小为 3.0 MB，超过历史评估结果导入每个文件 1 MB 的上限" in caught.value.message
    assert caught.value.code == "file_too_large"
    with pytest.raises(ValidationFailed, match="空的"):
        check_upload(kind="assessments", filename="empty.csv", size=0)


@override_settings(UPLOAD_LIMITS={"assessments": (1, 3)})
def test_read_upload_turns_a_row_limit_met_while_reading_into_a_validation_error():
    content = ("姓名,身份证号码\n" + "".join(f"张{n},1\n" for n in range(10))).encode()
    table = read_upload(content, kind="assessments", filename="a.csv", expected_headers=HEADERS)
    with pytest.raises(ValidationFailed, match="超过每次最多 3 行的上限"):
        list(table)


# ------------------------------------------------------------------ item 16: never a formula

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_formula_like_text_is_recognised_but_numbers_and_numeric_text_are_not():
    assert all(is_formula_like(v) for v in FORMULAS)
    assert not any(is_formula_like(v) for v in ["北门路1号", "-5", "+86", "-1.5", -5, Decimal("-5"), None, ""])


@pytest.mark.parametrize("write_only", [True, False])
def test_sheet_rows_write_formula_like_text_as_text_and_keep_negative_numbers_as_numbers(write_only):
    wb = openpyxl.Workbook(write_only=write_only)
    ws = wb.create_sheet("x") if write_only else wb.active
    sheet_row(ws, [*FORMULAS, Decimal("-5"), -5, "北门路1号"])
    out = io.BytesIO()
    wb.save(out)
    cells = list(openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[0][1])
    assert [c.data_type for c in cells[: len(FORMULAS)]] == ["s"] * len(FORMULAS)
    assert cells[0].value == '=HYPERLINK("http://x","y")'  # shown exactly as typed, as text
    assert (cells[-3].value, cells[-3].data_type) == (-5, "n") and (cells[-2].value, cells[-2].data_type) == (-5, "n")


def test_csv_rows_prefix_formula_like_text_with_an_apostrophe():
    out = io.StringIO()
    csv.writer(out).writerow(csv_row(['=HYPERLINK("http://x","y")', "@A1", Decimal("-5"), "-5", "北门"]))
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=HYPERLINK(\"http://x\",\"y\")", "'@A1", "-5", "-5", "北门"]


def test_cells_hidden_from_the_fast_count_are_found_by_the_precise_scan():
    # A namespace prefix, single quotes and cells without r= are all legal XML the reader accepts:
    # the pre-check falls back to its tokenizer and still finds the far cell.
    prefixed = xlsx_with_sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
                               "<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>")
    error, seconds = _refused(prefixed)
    assert "XFD1048576" in error.message and seconds < 0.5
    implied = '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row>' + "<c><v>1</v></c>" * 300 + "</row>"
    error, _seconds = _refused(xlsx_with_sheet(implied))
    assert "IW2，即 2 行 × 257 列" in error.message and "256 列" in error.message  # refused at the first column over


def test_unbalanced_quotes_cannot_make_the_pre_check_slow():
    content = xlsx_with_sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>' + '<c a="' * 200_000)
    started = time.perf_counter()
    with pytest.raises(TableError):
        read_table(content, filename="quotes.xlsx", expected_headers=HEADERS)
    assert time.perf_counter() - started < 3


@override_settings(UPLOAD_LIMITS={"people": (1, 10)})
def test_an_uploaded_file_over_the_limit_is_refused_by_its_size_before_it_is_read():
    from yanglao.core.uploads import read_uploaded

    class Huge:
        name = "huge.xlsx"
        size = 2 * 1024**3

        def read(self) -> bytes:  # pragma: no cover - must not be called
            raise AssertionError("read into memory")

    with pytest.raises(ValidationFailed, match="每个文件 1 MB 的上限"):
        read_uploaded(Huge(), kind="people")
