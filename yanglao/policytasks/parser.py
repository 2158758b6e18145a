"""The task table (工作任务分解表) of 阳江市加快推进养老服务发展若干措施, read from the policy text itself.

The text (``data/yangjiang-measures-draft.txt``, a copy of the published draft) holds the eleven measures as
headings ("一、合理规划养老服务体系建设") and, after "附件：工作任务分解表", a table whose cells are lines beginning
with a tab: six cells per row (序号, 工作措施, 工作任务, 工作要求, 责任单位, 时间进度), the first row the header.
Nothing here is retyped: a revised table in the same layout loads the same way.

Rules (docs/policytasks.md):
- a cell saying 同上 takes the value of the row above; an empty 工作措施 cell does too (the table merges them);
  any other empty cell is kept empty and the row is flagged;
- 工作措施 is matched to its numbered heading in the text by order of appearance (the table writes some of
  them differently: "大力支持民办机构多元发展" under "四、大力支持民办养老机构发展");
- 责任单位 are split on 、，, and runs of spaces, but never inside （…）: "各县（市、区）人民政府" is one unit;
  the first named is the lead (牵头单位), the others co-responsible, as the city's task tables are read;
- 时间进度 becomes a due date and/or "continuing": "2020年底前完成" → 2020-12-31, "2021年10月底前完成" →
  2021-10-31, "2021年前完成" → 2021-12-31 (by the end of that year), "2021年底前落实…并持续实施" → due
  2021-12-31 then continuing, "持续实施"/"长期坚持" → continuing without a date. Text that fits none is kept
  as written and flagged (``notes``), never dropped.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "data" / "yangjiang-measures-draft.txt"
TABLE_MARK = "附件：工作任务分解表"
COLUMNS = ("序号", "工作措施", "工作任务", "工作要求", "责任单位", "时间进度")
COUNTIES_UNIT = "各县（市、区）人民政府"
# The same unit written two ways in the table (the fire brigade's name since the 2018 reform).
UNIT_ALIASES = {"市消防支队": "市消防救援支队"}
CONTINUING_WORDS = ("持续实施", "长期坚持", "持续推进", "长期实施", "常态化", "长期")
_HEADING = re.compile(r"^([一二三四五六七八九十]+)、(\S.*)$")
_DATE_HEAD = re.compile(r"^(?:到|自)?(\d{4})年(?:(\d{1,2})月)?(底)?(前)?(.*)$")


class TableError(ValueError):
    """The text has no task table in the expected layout (the message says where and why)."""


@dataclass
class Deadline:
    text: str
    due: dt.date | None = None
    continuing: bool = False
    note: str = ""  # why it could not be read (kept, flagged)


@dataclass
class ParsedTask:
    number: int
    measure_no: int
    measure: str  # the heading of the measure in the text
    measure_cell: str  # the table's cell as written (after 同上 / empty inheritance)
    title: str
    requirement: str
    units_text: str
    units: list[str]
    deadline: Deadline
    line: int  # line of the row's 序号 cell in the source text
    notes: list[str] = field(default_factory=list)

    @property
    def lead(self) -> str:
        return self.units[0] if self.units else ""

    @property
    def co_units(self) -> list[str]:
        return self.units[1:]


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_deadline(text: str) -> Deadline:
    """One 时间进度 cell as a due date and/or continuing; unreadable text is kept with a note."""
    raw = " ".join(text.split())
    if not raw:
        return Deadline(text="", note="时间进度为空")
    continuing = any(word in raw for word in CONTINUING_WORDS)
    m = _DATE_HEAD.match(raw)
    if m is None:
        if continuing:
            return Deadline(text=raw, continuing=True)
        return Deadline(text=raw, note=f"无法识别的时间进度“{raw}”")
    year, month = int(m[1]), m[2]
    if not 1990 <= year <= 2100:
        return Deadline(text=raw, continuing=continuing, note=f"年份不合理“{raw}”")
    if month is not None:
        if not 1 <= int(month) <= 12:
            return Deadline(text=raw, continuing=continuing, note=f"月份不合理“{raw}”")
        due = _last_day(year, int(month))  # "10月底前" and "10月前" both read as by the end of October
    else:
        due = dt.date(year, 12, 31)  # "2020年底前", "2020年前", "2020年启动" : within that year
    return Deadline(text=raw, due=due, continuing=continuing)


def split_units(text: str) -> list[str]:
    """The 责任单位 cell as unit names, in order, never splitting inside （…）."""
    units: list[str] = []
    depth = 0
    current = ""
    for ch in text:
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        if depth == 0 and (ch in "、，,；;" or ch.isspace()):
            if current.strip():
                units.append(current.strip())
            current = ""
            continue
        current += ch
    if current.strip():
        units.append(current.strip())
    seen: list[str] = []
    for unit in units:
        unit = UNIT_ALIASES.get(unit, unit)
        if unit not in seen:
            seen.append(unit)
    return seen


def _norm(text: str) -> str:
    return re.sub(r"[、，,\s]", "", text)


def headings(lines: list[str]) -> list[str]:
    """The measures' numbered headings before the table, in order ("合理规划养老服务体系建设", …)."""
    found = []
    for line in lines:
        if line.startswith(TABLE_MARK):
            break
        m = _HEADING.match(line.strip())
        if m:
            found.append(m[2].strip())
    return found


def parse_table(text: str) -> list[ParsedTask]:
    """Every row of the task table in ``text``. Raises TableError when there is no table to read."""
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip().startswith(TABLE_MARK))
    except StopIteration:
        raise TableError(f"文中没有“{TABLE_MARK}”") from None
    cells = [(i + 1, line[1:].strip()) for i, line in enumerate(lines) if i > start and line.startswith("\t")]
    header = tuple(c for _, c in cells[: len(COLUMNS)])
    if header != COLUMNS:
        raise TableError(f"第 {cells[0][0] if cells else start + 1} 行起的表头应为 {'、'.join(COLUMNS)}，实际为 {'、'.join(header)}")
    rows: list[list[tuple[int, str]]] = []
    for lineno, cell in cells[len(COLUMNS):]:
        # A row starts at its 序号: a cell that is only digits right after a complete row.
        if cell.isdigit() and (not rows or len(rows[-1]) >= len(COLUMNS)):
            rows.append([])
        if not rows:
            raise TableError(f"第 {lineno} 行：表格第一行应以序号开始")
        rows[-1].append((lineno, cell))
    names = headings(lines)
    tasks: list[ParsedTask] = []
    measure_order: list[str] = []
    previous: list[str] = [""] * len(COLUMNS)
    for row in rows:
        line = row[0][0]
        notes: list[str] = []
        values = [c for _, c in row]
        if len(values) != len(COLUMNS):
            notes.append(f"该行有 {len(values)} 个单元格，应为 {len(COLUMNS)} 个")
            values = (values + [""] * len(COLUMNS))[: len(COLUMNS)]
        for col in range(1, len(COLUMNS)):
            if values[col] == "同上" or (col == 1 and not values[col]):
                values[col] = previous[col]
            elif not values[col]:
                notes.append(f"“{COLUMNS[col]}”为空")
        previous = values
        measure_cell = values[1]
        key = _norm(measure_cell)
        if key not in measure_order:
            measure_order.append(key)
        measure_no = measure_order.index(key) + 1
        if len(names) >= measure_no:
            measure = names[measure_no - 1]
        else:
            measure = measure_cell
            notes.append(f"文中没有第 {measure_no} 项措施的标题")
        deadline = parse_deadline(values[5])
        if deadline.note:
            notes.append(deadline.note)
        units = split_units(values[4])
        if not units:
            notes.append("没有责任单位")
        tasks.append(ParsedTask(number=int(values[0]), measure_no=measure_no, measure=measure, measure_cell=measure_cell,
                                title=values[2], requirement=values[3], units_text=" ".join(values[4].split()),
                                units=units, deadline=deadline, line=line, notes=notes))
    numbers = [t.number for t in tasks]
    if numbers != list(range(1, len(tasks) + 1)):
        raise TableError(f"序号不连续：{numbers}")
    return tasks


def parse_source(path: Path = SOURCE) -> list[ParsedTask]:
    return parse_table(path.read_text(encoding="utf-8"))
