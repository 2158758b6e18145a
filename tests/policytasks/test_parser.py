"""The task table is parsed from the policy text the project ships, not retyped."""

import datetime as dt

import pytest

from yanglao.policytasks.parser import (
    SOURCE,
    TableError,
    parse_deadline,
    parse_source,
    parse_table,
    split_units,
)


@pytest.fixture(scope="module")
def tasks():
    return parse_source()


def test_the_real_text_yields_exactly_forty_tasks_numbered_one_to_forty(tasks):
    assert [t.number for t in tasks] == list(range(1, 41))
    assert not [t for t in tasks if t.notes], "the published table reads without a flagged row"


def test_the_copy_in_the_project_is_the_published_text():
    text = SOURCE.read_text(encoding="utf-8")
    assert "附件：工作任务分解表" in text and "阳江市加快推进养老服务发展若干措施" in text


def test_an_empty_measure_cell_inherits_the_measure_above(tasks):
    # Rows 2 and 3 leave 工作措施 empty under row 1's "合理规划养老服务体系建设".
    assert tasks[1].measure_cell == tasks[0].measure_cell == "合理规划养老服务体系建设"
    assert tasks[2].measure_no == 1


def test_a_cell_saying_tongshang_inherits_the_row_above(tasks):
    by = {t.number: t for t in tasks}
    # Row 14 says 同上 under row 13's "大力支持民办机构多元发展"; rows 19 and 32 likewise.
    assert by[14].measure_cell == by[13].measure_cell == "大力支持民办机构多元发展"
    assert by[19].measure_no == by[18].measure_no == 5
    assert by[32].measure_no == 8
    assert all("同上" not in (t.measure_cell, t.title, t.requirement) for t in tasks)


def test_measures_take_their_heading_from_the_text_even_when_the_table_writes_them_otherwise(tasks):
    by = {t.number: t for t in tasks}
    assert by[12].measure == "大力支持民办养老机构发展" and by[12].measure_no == 4
    assert by[35].measure_cell == "提升养老服务激发市场、活力" and by[35].measure_no == by[33].measure_no == 9
    assert sorted({t.measure_no for t in tasks}) == list(range(1, 12))


@pytest.mark.parametrize(("text", "due", "continuing"), [
    ("2020年底前完成", dt.date(2020, 12, 31), False),
    ("2021年10月底前完成", dt.date(2021, 10, 31), False),
    ("2021年前完成", dt.date(2021, 12, 31), False),
    ("持续实施", None, True),
    ("长期坚持", None, True),
    ("2021年底前落实配建标准并持续实施", dt.date(2021, 12, 31), True),
    ("2020年启动并持续实施", dt.date(2020, 12, 31), True),
    ("2022年2月底前完成", dt.date(2022, 2, 28), False),
])
def test_each_deadline_form_becomes_a_date_or_continuing(text, due, continuing):
    d = parse_deadline(text)
    assert (d.due, d.continuing, d.note) == (due, continuing, "")


@pytest.mark.parametrize("text", ["视情况而定", "2021年13月底前完成", ""])
def test_unreadable_deadline_text_is_kept_and_flagged(text):
    d = parse_deadline(text)
    assert d.note and d.due is None and d.text == text


def test_the_real_rows_carry_each_deadline_form(tasks):
    by = {t.number: t for t in tasks}
    assert (by[11].deadline.due, by[11].deadline.continuing) == (dt.date(2020, 12, 31), False)
    assert (by[3].deadline.due, by[3].deadline.continuing) == (dt.date(2021, 10, 31), False)
    assert (by[14].deadline.due, by[14].deadline.continuing) == (None, True)
    assert (by[5].deadline.due, by[5].deadline.continuing) == (dt.date(2021, 12, 31), True)
    assert by[1].deadline.text == "2020年前完成" and by[1].deadline.due == dt.date(2020, 12, 31)


def test_units_split_outside_brackets_and_the_first_is_the_lead(tasks):
    assert split_units("市民政局、市自然资源局、各县（市、区）人民政府") == ["市民政局", "市自然资源局", "各县（市、区）人民政府"]
    by = {t.number: t for t in tasks}
    # Row 6 separates its last unit with spaces; row 37 names the fire brigade by its short name.
    assert by[6].units[-2:] == ["市国资委", "各县（市、区）人民政府"]
    assert by[37].units == ["市住房城乡建设局", "市消防救援支队", "各县（市、区）人民政府"]
    assert by[19].lead == "市住房城乡建设局"
    assert by[2].units == ["市民政局"]


def test_a_row_with_an_unreadable_deadline_is_kept_and_flagged_not_dropped():
    text = SOURCE.read_text(encoding="utf-8").replace("\t2021年10月底前完成", "\t视工作进展确定")
    tasks = parse_table(text)
    assert len(tasks) == 40
    assert tasks[2].deadline.text == "视工作进展确定" and tasks[2].deadline.due is None and tasks[2].notes


def test_a_text_without_the_table_is_refused_with_the_reason():
    with pytest.raises(TableError, match="工作任务分解表"):
        parse_table("一、总则\n没有附件")
