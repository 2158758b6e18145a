import io
import time
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from yanglao.core.tabular import (
    CellError,
    TableError,
    cell_to_date,
    cell_to_decimal,
    cell_to_id_text,
    clean_name,
    clean_text,
    column_letter,
    normalise_header,
    read_table,
)

EXPECTED = ["姓名", "身份证号码", "出生日期", "联系电话", "补贴金额"]
ALIASES = {"身份证号": "身份证号码", "公民身份号码": "身份证号码", "电话": "联系电话", "手机号码": "联系电话"}

OFFICE_CSV = (
    "阳江市江城区老年人信息登记表,,,,,\n"
    "序号,*姓名,身份证号（必填）,出生日期,电话,补贴金额（元）\n"
    '1,张 三,441702195801011233,1958-01-01,138 0000 1234,"1,200.50"\n'
    ",,,,,\n"
    "\n"
    "2,李四,４４１７０２１９５８０１０１１２５Ｘ,1958年1月1日,０６６２－３１２３４５６,100元\n"
)


def rows_of(table):
    return list(table.rows)


# ---------------------------------------------------------------- headers and text


def test_header_normalisation_drops_required_marks_hints_and_spaces():
    assert normalise_header("*身份证号码(必填)") == "身份证号码"
    assert normalise_header(" ＊身份证 号码（必填） ") == "身份证号码"
    assert normalise_header("出生日期【格式:1958-01-01】：") == "出生日期"


def test_clean_text_converts_full_width_and_odd_spaces():
    assert clean_text("　ＡＢＣ１２３\u00a0 江城区  南恩路\n") == "ABC123 江城区 南恩路"
    assert clean_text(None) == ""
    assert clean_text(12.0) == "12"
    assert clean_text(date(1958, 1, 1)) == "1958-01-01"


def test_clean_name_removes_all_spaces_but_keeps_the_minority_middle_dot():
    assert clean_name(" 张 三 ") == "张三"
    assert clean_name("张\u3000三") == "张三"
    assert clean_name("买买提 · 艾力") == "买买提·艾力"
    assert clean_name("买买提.艾力") == "买买提·艾力"
    assert clean_name("阿依古丽•吐尔逊") == "阿依古丽·吐尔逊"


def test_column_letters():
    assert [column_letter(n) for n in (1, 3, 26, 27, 52)] == ["A", "C", "Z", "AA", "AZ"]


# ---------------------------------------------------------------- csv


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_any_office_encoding_with_title_row_and_aliases(encoding):
    table = read_table(
        OFFICE_CSV.encode(encoding), filename="登记表.csv", expected_headers=EXPECTED, aliases=ALIASES
    )
    assert table.header_row == 2
    assert table.headers == [None, "姓名", "身份证号码", "出生日期", "联系电话", "补贴金额"]
    assert table.missing_headers == []
    assert table.unknown_headers == ["序号"]
    assert table.column_of("身份证号码") == "C"
    rows = rows_of(table)
    assert [n for n, _ in rows] == [3, 6]  # the blank rows 4 and 5 are skipped, numbering kept
    first, second = rows[0][1], rows[1][1]
    assert first["姓名"] == "张 三"
    assert first["补贴金额"] == "1,200.50"
    assert clean_name(first["姓名"]) == "张三"
    assert cell_to_id_text(second["身份证号码"]) == ("44170219580101125X", None)
    assert cell_to_date(second["出生日期"]) == date(1958, 1, 1)
    assert cell_to_decimal(second["补贴金额"]) == Decimal(100)


def test_gbk_csv_is_detected_as_gb18030():
    table = read_table(OFFICE_CSV.encode("gbk"), filename="x.csv", expected_headers=EXPECTED, aliases=ALIASES)
    assert table.encoding == "gb18030"
    assert rows_of(table)[1][1]["姓名"] == "李四"


def test_utf8_file_is_read_as_utf8_not_gb18030():
    table = read_table(
        OFFICE_CSV.encode("utf-8"), filename="x.csv", expected_headers=EXPECTED, aliases=ALIASES
    )
    assert table.encoding == "utf-8-sig"


def test_csv_from_a_path_and_from_a_file_object(tmp_path):
    path = tmp_path / "登记表.csv"
    path.write_bytes(OFFICE_CSV.encode("utf-8-sig"))
    with read_table(path, filename=path.name, expected_headers=EXPECTED, aliases=ALIASES) as table:
        assert len(rows_of(table)) == 2
    upload = io.BytesIO(OFFICE_CSV.encode("gb18030"))
    table = read_table(upload, filename="登记表.csv", expected_headers=EXPECTED, aliases=ALIASES)
    assert len(rows_of(table)) == 2
    assert not upload.closed  # the caller's file is left open


def test_tab_separated_text_is_read():
    text = OFFICE_CSV.replace(",", "\t").replace('"1\t200.50"', "1200.50")
    table = read_table(text.encode(), filename="x.txt", expected_headers=EXPECTED, aliases=ALIASES)
    assert [n for n, _ in table.rows] == [3, 6]


def test_quoted_cell_with_line_break_counts_as_one_spreadsheet_row():
    text = '姓名,身份证号码,出生日期\n"张\n三",441702195801011233,1958-01-01\n李四,44170219580101125X,1958-01-01\n'
    table = read_table(text.encode(), filename="x.csv", expected_headers=EXPECTED[:3])
    assert [n for n, _ in table.rows] == [2, 3]


def test_missing_headers_are_reported():
    text = "姓名,身份证号码,出生日期\n张三,441702195801011233,1958-01-01\n"
    table = read_table(text.encode(), filename="x.csv", expected_headers=EXPECTED)
    assert table.missing_headers == ["联系电话", "补贴金额"]
    assert rows_of(table) == [
        (2, {"姓名": "张三", "身份证号码": "441702195801011233", "出生日期": "1958-01-01"})
    ]


def test_short_rows_give_empty_cells():
    text = "姓名,身份证号码,出生日期\n张三\n"
    table = read_table(text.encode(), filename="x.csv", expected_headers=EXPECTED[:3])
    assert rows_of(table) == [(2, {"姓名": "张三", "身份证号码": "", "出生日期": ""})]


def test_file_without_a_recognisable_header_is_refused():
    text = "a,b,c\n" * 20 + "姓名,身份证号码,出生日期\n"
    with pytest.raises(TableError, match="没有找到表头"):
        read_table(text.encode(), filename="x.csv", expected_headers=EXPECTED[:3])


def test_unsupported_file_type_is_refused():
    with pytest.raises(TableError, match="不支持的文件类型"):
        read_table(b"...", filename="x.docx", expected_headers=EXPECTED)


@pytest.mark.parametrize("data", [b"\x80\xff\xfe\xfd" * 3, b"\xef\xbb\xbf\xe5\xa7", b"\xff\xfe\x00"])
def test_undecodable_csv_is_refused(data):
    with pytest.raises(TableError, match="编码"):
        read_table(data, filename="x.csv", expected_headers=EXPECTED)


def test_utf16_text_export_is_read():
    table = read_table(
        OFFICE_CSV.encode("utf-16"), filename="x.csv", expected_headers=EXPECTED, aliases=ALIASES
    )
    assert [n for n, _ in table.rows] == [3, 6]


def test_large_csv_is_streamed_quickly(tmp_path):
    path = tmp_path / "big.csv"
    line = "张三,441702195801011233,1958-01-01,13800001234,100\n"
    path.write_text("姓名,身份证号码,出生日期,联系电话,补贴金额\n" + line * 200_000, encoding="utf-8")
    start = time.perf_counter()
    table = read_table(path, filename="big.csv", expected_headers=EXPECTED)
    assert not isinstance(table.rows, list)
    count = last = 0
    for number, _row in table.rows:
        count, last = count + 1, number
    assert (count, last) == (200_000, 200_001)
    assert time.perf_counter() - start < 5


# ---------------------------------------------------------------- xlsx


def office_workbook(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "登记表"
    ws["A1"] = "阳江市江城区老年人信息登记表"
    ws.merge_cells("A1:F1")
    ws.append(["序号", "姓名*", "身份证号码(必填)", "出生日期", "手机号码", "所属社区"])
    ws.append([1, "张 三", 441702195801011233.0, datetime(1958, 1, 1), 13800001234, "北门社区"])
    ws.append([2, " 李四 ", "４４１７０２１９５８０１０１１２５Ｘ", 21186, "138 0000 1234", None])
    ws.merge_cells("F3:F4")  # one community for a block of people
    ws.append([])
    ws.append([3, "王五", "44170219580101123", date(1958, 1, 1), None, "南恩社区"])
    wb.save(path)


def test_xlsx_with_merged_title_number_ids_and_both_date_kinds(tmp_path):
    path = tmp_path / "登记表.xlsx"
    office_workbook(path)
    expected = ["姓名", "身份证号码", "出生日期", "联系电话", "所属社区"]
    table = read_table(path, filename=path.name, expected_headers=expected, aliases=ALIASES)
    assert table.header_row == 2
    assert table.sheet_name == "登记表"
    rows = rows_of(table)
    assert [n for n, _ in rows] == [3, 4, 6]
    (_, zhang), (_, li), (_, wang) = rows

    text, problem = cell_to_id_text(zhang["身份证号码"])
    assert problem is not None and "存为数字" in problem
    assert cell_to_date(zhang["出生日期"]) == date(1958, 1, 1)

    assert cell_to_id_text(li["身份证号码"]) == ("44170219580101125X", None)
    assert cell_to_date(li["出生日期"]) == date(1958, 1, 1)  # serial number 21186
    assert clean_name(li["姓名"]) == "李四"
    assert li["所属社区"] == "北门社区"  # filled down from the merged cell

    assert cell_to_date(wang["出生日期"]) == date(1958, 1, 1)
    assert clean_text(zhang["联系电话"]) == "13800001234"


def test_xlsx_bytes_upload_and_xlsx_misnamed_as_csv(tmp_path):
    path = tmp_path / "a.xlsx"
    office_workbook(path)
    data = path.read_bytes()
    expected = ["姓名", "身份证号码", "出生日期"]
    assert len(rows_of(read_table(data, filename="a.xlsx", expected_headers=expected))) == 3
    assert len(rows_of(read_table(data, filename="a.csv", expected_headers=expected))) == 3


def test_corrupt_excel_file_is_refused_with_advice():
    with pytest.raises(TableError, match="另存为"):
        read_table(b"<html><table></table></html>", filename="导出.xls", expected_headers=EXPECTED)


# ---------------------------------------------------------------- id cells


@pytest.mark.parametrize(
    "value",
    [
        4.41702195801011e17,
        441702195801011234.0,
        "4.41702E+17",
        "4.41702195801011E+17",
        "441702195801011234.0",
    ],
)
def test_id_stored_as_number_is_reported(value):
    _text, problem = cell_to_id_text(value)
    assert problem is not None
    assert "存为数字" in problem and "文本" in problem


def test_id_as_17_digit_integer_reports_lost_x():
    text, problem = cell_to_id_text(44170219580101125)
    assert text == "44170219580101125"
    assert problem is not None and "末位X丢失" in problem


def test_exact_integers_and_text_ids_pass():
    assert cell_to_id_text(441702195801011233) == ("441702195801011233", None)
    assert cell_to_id_text(441702580101123.0) == ("441702580101123", None)  # 15 digits fit a float
    assert cell_to_id_text(" 441702 19580101 125x ") == ("44170219580101125X", None)
    assert cell_to_id_text("'441702195801011233") == ("441702195801011233", None)
    assert cell_to_id_text('="441702195801011233"') == ("441702195801011233", None)
    assert cell_to_id_text(None) == ("", None)


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "value",
    [
        date(1958, 1, 1),
        datetime(1958, 1, 1, 0, 0),
        21186,
        21186.0,
        19580101,
        "1958-01-01",
        "1958/1/1",
        "1958.01.01",
        "19580101",
        "1958年1月1日",
        "１９５８年１月１日",
        " 1958-1-1 ",
        "1958-01-01 00:00:00",
    ],
)
def test_dates_in_office_formats(value):
    assert cell_to_date(value) == date(1958, 1, 1)


def test_excel_serials_follow_the_1900_leap_year_bug():
    assert cell_to_date(1) == date(1900, 1, 1)
    assert cell_to_date(59) == date(1900, 2, 28)
    assert cell_to_date(61) == date(1900, 3, 1)
    with pytest.raises(CellError, match="1900-02-29"):
        cell_to_date(60)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "日期为空"),
        (None, "日期为空"),
        ("1958-02-30", "日期不存在"),
        ("19580230", "日期不存在"),
        ("1958年1月", "不完整"),
        ("1958", "不完整"),
        ("一九五八年", "无法识别"),
        (0, "超出范围"),
        (True, "格式不正确"),
    ],
)
def test_bad_dates_are_refused_in_chinese(value, message):
    with pytest.raises(CellError, match=message):
        cell_to_date(value)


# ---------------------------------------------------------------- money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,200.50", Decimal("1200.50")),
        ("￥100", Decimal(100)),
        ("¥ 100.5", Decimal("100.5")),
        ("100元", Decimal(100)),
        ("１，２００元", Decimal(1200)),
        ("人民币300元整", Decimal(300)),
        ("1.2万", Decimal(12000)),
        (1.1, Decimal("1.1")),
        (150, Decimal(150)),
        ("-20", Decimal(-20)),
    ],
)
def test_money_in_office_formats(value, expected):
    assert cell_to_decimal(value) == expected


@pytest.mark.parametrize("value", ["", "abc", "1.2.3", "NaN", True, float("inf")])
def test_bad_money_is_refused(value):
    with pytest.raises(CellError):
        cell_to_decimal(value)
