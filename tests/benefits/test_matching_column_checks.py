"""Data matching checks a list column-wise (core.columns) and sends only the unusual rows through the
per-row check: the staged rows — outcome, column, reason, masked number, hash, date — must be exactly
those of checking every row alone, in any mix of good and bad rows, duplicates included."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from yanglao.benefits import matching
from yanglao.benefits.choices import MatchKind
from yanglao.core.crypto import Sealer

from ..core.test_columns import TODAY, date_cells, id_cells


def column_letter(header: str) -> str:
    return {"姓名": "B", "身份证号码": "C", "日期": "D", "类别": "E", "变动": "F", "残疾等级": "G"}.get(header, "")


def row_by_row(kind: str, rows: list[tuple[int, dict]]) -> list[matching.Staged]:
    sealer, seen = Sealer(), {}
    return [matching._check_row(kind, row_no, cells, column_letter, TODAY, sealer, seen, matching.DATE_LABEL[kind])
            for row_no, cells in rows]


names = st.one_of(st.sampled_from(["张三", "李 四", "买买提.艾力", "王五", "", None]), st.text(max_size=4))
cells = st.fixed_dictionaries({
    "姓名": names,
    "身份证号码": id_cells(),
    "日期": st.one_of(date_cells, st.sampled_from(["2026-11-29", "2026-11-30", "2026-02-30", "2025-01-05"])),
    "类别": st.sampled_from(["低保", "特困", "五保", "", None]),
    "变动": st.sampled_from(["纳入", "退出", "调整", ""]),
    "残疾等级": st.sampled_from(["一级", "2", "3.0", "五级", "", 1.0]),
})


@given(st.sampled_from(list(MatchKind.values)), st.lists(cells, max_size=25), st.data())
def test_column_wise_checking_stages_exactly_what_row_by_row_checking_does(kind, rows, data):
    rows = rows + [dict(r) for r in data.draw(st.lists(st.sampled_from(rows), max_size=4))] if rows else rows  # duplicates
    numbered = [(i + 3, r) for i, r in enumerate(rows)]
    assert matching.check_rows(kind, numbered, column_letter, TODAY) == row_by_row(kind, numbered)


def test_a_typical_death_list_is_checked_column_wise_with_the_same_messages():
    from yanglao.core.idnumber import check_digit

    good = [f"44170219{40 + i:02d}0101{i:03d}" for i in range(5)]
    good = [g + check_digit(g) for g in good]
    rows = [(3, {"姓名": "张三", "身份证号码": good[0], "日期": "2026-10-01"}),
            (4, {"姓名": "李四", "身份证号码": good[1], "日期": "2026-12-01"}),      # after today
            (5, {"姓名": "王五", "身份证号码": good[0], "日期": "2026-10-02"}),      # duplicate of row 3
            (6, {"姓名": "赵六", "身份证号码": good[2][:17] + "9" if good[2][-1] != "9" else good[2][:17] + "8",
                 "日期": "2026-10-01"}),                                             # wrong check digit
            (7, {"姓名": "钱七", "身份证号码": float(good[3][:17] + "0"), "日期": "2026-10-01"}),
            (8, {"姓名": "孙八", "身份证号码": good[4], "日期": dt.date(2026, 9, 1)})]
    staged = matching.check_rows(MatchKind.DEATH, rows, column_letter, TODAY)
    assert staged == row_by_row(MatchKind.DEATH, rows)
    assert [s.outcome for s in staged] == ["not_found", "bad", "bad", "bad", "bad", "not_found"]
    assert staged[2].reason == "与第 3 行重复（同一人在名单中只能出现一次）" and staged[2].column == "C 身份证号码"
    assert staged[1].column == "D 日期" and "晚于今天" in staged[1].reason
    assert staged[3].reason.startswith("校验位错误")
