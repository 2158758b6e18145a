"""Data matching (数据比对): lists other departments send, matched with the registry by ID number.

1. The file is read as offices produce it (core.tabular: title rows, GBK, IDs stored as numbers);
   each row's ID number is checked (core.idnumber, as the registry import does) and turned into the
   registry's keyed hash; rows with a problem become `bad` rows with row, column and reason.
2. The checked rows are `COPY`'d into a temporary staging table, 10,000 at a time, and written into
   `benefits_matchrow` by one `INSERT … SELECT … LEFT JOIN people_person` on the hash per chunk, which
   also decides the outcome (consistent / change / not found) per kind of list — on the request's
   transaction, while the next chunk is checked. Nothing in the registry changes.
3. A reviewer confirms the changes, in bulk or one by one: the person's status (death, move), a
   suspension (prison), a category (低保/特困, 重度残疾) is recorded with the list as its source
   document; for a death or a move dated in the past, the months paid after it become a recovery
   (recoveries.open_for_rows), and the benefit rules take it from there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any

from django.db import IntegrityError, connection, connections, transaction
from django.dispatch import Signal
from django.utils import timezone

from yanglao.core.audit import audit_bulk, audit_context
from yanglao.core.crypto import Sealer
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.idnumber import IdNumberError, mask_id_number, parse_id_number
from yanglao.core.models import User
from yanglao.core.tabular import CellError, cell_to_date, cell_to_id_text, clean_name, clean_text
from yanglao.core.uploads import read_upload

from .choices import MatchKind, MatchOutcome
from .models import MatchBatch, MatchRow
from .months import add_months, month_start

CITY = "4417"
ID_PURPOSE = "id_number"  # the registry's purpose (people.services.ID_PURPOSE)
HEADERS = ["姓名", "身份证号码", "日期", "类别", "变动", "残疾等级", "备注"]
ALIASES = {
    "身份证号": "身份证号码", "公民身份号码": "身份证号码", "证件号码": "身份证号码", "身份证": "身份证号码",
    "死亡日期": "日期", "死亡时间": "日期", "迁出日期": "日期", "迁出时间": "日期", "入狱日期": "日期",
    "收监日期": "日期", "入监日期": "日期", "变动日期": "日期", "发证日期": "日期", "办证日期": "日期",
    "救助类别": "类别", "保障类别": "类别", "人员类别": "类别", "变动类型": "变动", "变更类型": "变动",
    "等级": "残疾等级", "残疾级别": "残疾等级", "说明": "备注",
}
DATE_LABEL = {MatchKind.DEATH: "死亡日期", MatchKind.MOVED_AWAY: "迁出日期", MatchKind.PRISON: "入狱日期",
              MatchKind.ASSISTANCE: "变动日期", MatchKind.DISABILITY: "发证日期"}
CATEGORY_WORDS = {"低保": "dibao", "最低生活保障": "dibao", "低保对象": "dibao", "特困": "tekun", "特困供养": "tekun",
                  "特困人员": "tekun", "低保边缘": "dibao_edge"}
ADD_WORDS = {"纳入", "新增", "认定", "增加", "取得"}
END_WORDS = {"退出", "停保", "终止", "取消", "减少", "注销"}
GRADE_WORDS = {"一级": 1, "二级": 2, "三级": 3, "四级": 4, "1": 1, "2": 2, "3": 3, "4": 4, "1级": 1, "2级": 2,
               "3级": 3, "4级": 4}
MAX_ERRORS_SHOWN = 1000
# Sent inside the import's and the confirmation's transaction (kwargs: batch, by, event "import" or
# "confirm", count): the exchanges log records each as a run of the department's exchange.
list_matched = Signal()


@dataclass
class Staged:
    row_no: int
    name: str = ""
    id_hash: str = ""
    id_masked: str = ""
    event_date: dt.date | None = None
    category: str = ""
    action: str = ""
    grade: int | None = None
    outcome: str = MatchOutcome.NOT_FOUND
    column: str = ""
    reason: str = ""
    person: tuple[Any, ...] = (None, None, None, None)  # the registry's id, status, status_date, division_code

    def stage_row(self) -> tuple[Any, ...]:
        """The row of match_stage (STAGE_COLUMNS)."""
        return (self.row_no, self.name[:32], self.id_hash, self.id_masked, self.event_date, self.category,
                self.action, self.grade, self.outcome, self.column[:40], self.reason[:200], *self.person)


def _require(user: User, capability: str) -> None:
    if not user.can(capability):
        raise Forbidden("您没有数据比对的权限")


ENGINE_MESSAGE = "数据比对与追回需要 PostgreSQL 数据库；嵌入式演示库（SQLite）不支持，请在正式环境中使用。"


def available() -> bool:
    """Matching and recoveries are set-based PostgreSQL statements (COPY, UPDATE … FROM, date_trunc):
    on the embedded SQLite demo they are refused with a clear message instead of failing half-way."""
    return connection.vendor == "postgresql"


def _require_engine() -> None:
    if not available():
        raise ValidationFailed(ENGINE_MESSAGE, details={"file": ENGINE_MESSAGE})


EXPORT_HEADERS = ["行号", "姓名", "身份证号码（脱敏）", "日期", "结果", "列", "原因或说明", "所属区划", "确认人", "确认时间"]


def rows_workbook(batch: MatchBatch, rows: Any) -> bytes:
    """A batch's rows as .xlsx (the review list or the error report, as the registry import's): row number,
    masked ID number, the outcome, and for a bad row its column and reason. Streamed, write-only."""
    import io

    from openpyxl import Workbook

    from yanglao.core.cells import sheet_row

    labels = dict(MatchOutcome.choices)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("比对结果")
    sheet_row(sheet, [f"{batch.get_kind_display()}：{batch.filename}", f"{batch.source_unit} {batch.document_no}"])
    sheet.append(EXPORT_HEADERS)
    for r in rows.select_related("confirmed_by").order_by("row_no").iterator(chunk_size=5000):
        sheet_row(sheet, [r.row_no, r.name, r.id_masked, f"{r.event_date:%Y-%m-%d}" if r.event_date else "",
                          str(labels.get(r.outcome, r.outcome)), r.column, r.reason if r.outcome == "bad" else r.detail,
                          r.division_code, r.confirmed_by.display_name if r.confirmed_by else "",
                          f"{timezone.localtime(r.confirmed_at):%Y-%m-%d %H:%M}" if r.confirmed_at else ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def check_rows(kind: str, rows: Iterable[tuple[int, dict[str, Any]]], col: Any, today: dt.date, *,
               sealer: Sealer | None = None, seen: dict[str, int] | None = None) -> list[Staged]:
    """Every row of the file as a staged row: checked cells, the ID's keyed hash, or a bad row.

    The common cells are checked a whole column at once (core.columns: an 18-digit ID number in its
    canonical form, a ``2026-01-05`` date, a name of Chinese characters); a row with any other cell goes
    through the exact per-row check (`_check_row`), so every message (row, column, reason) is the same
    as checking each row alone. Duplicates are found in file order either way; `seen` (keyed hash → row)
    carries them across the chunks of one file."""
    from yanglao.core.columns import iso_dates, plain_names, valid_id_numbers

    rows = rows if isinstance(rows, list) else list(rows)
    ids = [cells.get("身份证号码") for _row_no, cells in rows]
    dates = [cells.get("日期") for _row_no, cells in rows]
    names = [cells.get("姓名") for _row_no, cells in rows]
    id_ok = valid_id_numbers(ids, today=today).tolist()
    date_ok, date_int = iso_dates(dates)
    today_int = today.year * 10000 + today.month * 100 + today.day
    fast = (date_ok & (date_int <= today_int)).tolist()
    name_ok = plain_names(names)
    sealer = sealer or Sealer()
    seen = {} if seen is None else seen
    out: list[Staged] = []
    date_label = DATE_LABEL[kind]
    plain_kind = kind not in (MatchKind.ASSISTANCE, MatchKind.DISABILITY)
    fromisoformat = dt.date.fromisoformat
    for i, (row_no, cells) in enumerate(rows):
        if not (id_ok[i] and fast[i]):
            out.append(_check_row(kind, row_no, cells, col, today, sealer, seen, date_label))
            continue
        value = ids[i]
        s = Staged(row_no=row_no, name=names[i] if name_ok[i] else clean_name(names[i]),
                   id_masked=value[:6] + "********" + value[-4:])  # mask_id_number of a checked 18-digit number
        id_hash = sealer.hash(value, purpose=ID_PURPOSE)
        first = seen.get(id_hash)
        if first is not None:
            s.outcome, s.column, s.reason = MatchOutcome.BAD, f"{col('身份证号码')} 身份证号码".strip(), (
                f"与第 {first} 行重复（同一人在名单中只能出现一次）")
            out.append(s)
            continue
        seen[id_hash] = row_no
        s.id_hash = id_hash
        s.event_date = fromisoformat(dates[i])
        if not plain_kind:
            _check_kind(kind, s, cells, col)
        out.append(s)
    return out


def _bad(s: Staged, col: Any, column: str, reason: str) -> Staged:
    s.outcome, s.column, s.reason = MatchOutcome.BAD, f"{col(column)} {column}".strip(), reason
    return s


def id_cell(value: Any, sealer: Sealer, today: dt.date | None = None) -> tuple[str, str, str]:
    """An ID-number cell of a list another office sends, read as the registry import reads it (a number
    Excel stored is reported, never guessed): (masked number, the registry's keyed hash, problem). The
    masked number is as much as can be shown of a number with a problem; the hash is empty then."""
    text, problem = cell_to_id_text(value)
    if problem or not text:
        return "", "", problem or "必填"
    try:
        parsed = parse_id_number(text, today=today)
    except IdNumberError as exc:
        return mask_id_number(text)[:18], "", exc.message
    return mask_id_number(parsed.value), sealer.hash(parsed.value, purpose=ID_PURPOSE), ""


def _check_row(kind: str, row_no: int, cells: dict[str, Any], col: Any, today: dt.date, sealer: Sealer,
               seen: dict[str, int], date_label: str) -> Staged:
    """One row checked cell by cell (the exact path: every unusual spelling and every message)."""
    s = Staged(row_no=row_no, name=clean_name(cells.get("姓名")))
    s.id_masked, id_hash, problem = id_cell(cells.get("身份证号码"), sealer, today)
    if problem:
        return _bad(s, col, "身份证号码", problem)
    if id_hash in seen:
        return _bad(s, col, "身份证号码", f"与第 {seen[id_hash]} 行重复（同一人在名单中只能出现一次）")
    seen[id_hash] = row_no
    s.id_hash = id_hash
    raw_date = cells.get("日期")
    if raw_date in (None, ""):
        return _bad(s, col, "日期", f"缺少{date_label}")
    try:
        s.event_date = cell_to_date(raw_date)
    except CellError as exc:
        return _bad(s, col, "日期", f"{date_label}：{exc.message}")
    if s.event_date > today:
        return _bad(s, col, "日期", f"{date_label}晚于今天（{s.event_date:%Y-%m-%d}）")
    return _check_kind(kind, s, cells, col)


def _check_kind(kind: str, s: Staged, cells: dict[str, Any], col: Any) -> Staged:
    """The cells only some kinds of list have: 类别 and 变动 (低保/特困), 残疾等级 (disability)."""
    if kind == MatchKind.ASSISTANCE:
        word = clean_text(cells.get("类别")).replace(" ", "")
        s.category = CATEGORY_WORDS.get(word, "")
        if not s.category:
            return _bad(s, col, "类别", f"类别“{word}”应为低保、特困或低保边缘" if word else "缺少类别（低保/特困）")
        change = clean_text(cells.get("变动")).replace(" ", "")
        s.action = "add" if change in ADD_WORDS else "end" if change in END_WORDS else ""
        if not s.action:
            return _bad(s, col, "变动", f"变动“{change}”应为纳入或退出" if change else "缺少变动（纳入/退出）")
    if kind == MatchKind.DISABILITY:
        word = clean_text(cells.get("残疾等级")).replace(" ", "")
        if word.endswith(".0"):
            word = word[:-2]
        s.grade = GRADE_WORDS.get(word)
        if s.grade is None:
            return _bad(s, col, "残疾等级", f"残疾等级“{word}”应为一级至四级" if word else "缺少残疾等级")
        s.category = "severe_disability"
        s.action = "add"
    return s


# The outcome of each kind of list, decided in the one join (p = the person, r = the row).
OUTCOME_SQL = {
    MatchKind.DEATH: (
        "CASE WHEN p.status = 'deceased' AND p.status_date = r.event_date THEN 'consistent' ELSE 'change' END",
        "CASE WHEN p.status = 'deceased' AND p.status_date = r.event_date THEN '档案已登记死亡' "
        "ELSE '登记死亡（' || to_char(r.event_date, 'YYYY-MM-DD') || '），次月起停发' END",
    ),
    MatchKind.MOVED_AWAY: (
        "CASE WHEN p.status = 'moved_away' AND p.status_date = r.event_date THEN 'consistent' ELSE 'change' END",
        "CASE WHEN p.status = 'moved_away' AND p.status_date = r.event_date THEN '档案已登记迁出' "
        "ELSE '登记迁出（' || to_char(r.event_date, 'YYYY-MM-DD') || '），次月起停发' END",
    ),
    MatchKind.PRISON: (
        "CASE WHEN EXISTS (SELECT 1 FROM benefits_suspension s WHERE s.person_id = p.id AND s.reason = 'imprisonment' "
        "AND s.to_month IS NULL AND s.lifted_at IS NULL) THEN 'consistent' ELSE 'change' END",
        "CASE WHEN EXISTS (SELECT 1 FROM benefits_suspension s WHERE s.person_id = p.id AND s.reason = 'imprisonment' "
        "AND s.to_month IS NULL AND s.lifted_at IS NULL) THEN '已停发（服刑）' "
        "ELSE '停发（服刑，' || to_char(r.event_date, 'YYYY-MM-DD') || '入狱），次月起' END",
    ),
    MatchKind.ASSISTANCE: (
        "CASE WHEN (r.action = 'add') = EXISTS (SELECT 1 FROM people_personcategory c WHERE c.person_id = p.id "
        "AND c.category = r.category AND c.valid_from <= r.event_date AND (c.valid_to IS NULL OR c.valid_to >= r.event_date)) "
        "THEN 'consistent' ELSE 'change' END",
        "CASE WHEN r.action = 'add' THEN '纳入' ELSE '退出' END || "
        "CASE r.category WHEN 'dibao' THEN '低保' WHEN 'tekun' THEN '特困供养' ELSE '低保边缘' END || "
        "'（' || to_char(r.event_date, 'YYYY-MM-DD') || '）'",
    ),
    MatchKind.DISABILITY: (
        "CASE WHEN r.grade > 2 OR EXISTS (SELECT 1 FROM people_personcategory c WHERE c.person_id = p.id "
        "AND c.category = 'severe_disability' AND c.valid_to IS NULL) THEN 'consistent' ELSE 'change' END",
        "CASE WHEN r.grade > 2 THEN '三、四级残疾，不属重度残疾' ELSE '新增重度残疾（' || "
        "CASE r.grade WHEN 1 THEN '一级' ELSE '二级' END || '）' END",
    ),
}


STAGE_COLUMNS = ("row_no", "name", "id_hash", "id_masked", "event_date", "category", "action", "grade", "outcome",
                 "col", "reason", "person_id", "p_status", "p_status_date", "p_division")
STAGE_TYPES = ("int4", "varchar", "varchar", "varchar", "date", "varchar", "varchar", "int2", "varchar", "varchar",
               "varchar", "int8", "varchar", "date", "varchar")
STAGE_TABLE = ("CREATE TEMP TABLE match_stage (row_no integer, name varchar(32), id_hash varchar(64), id_masked varchar(18), "
               "event_date date, category varchar(32), action varchar(8), grade smallint, outcome varchar(12), "
               "col varchar(40), reason varchar(200), person_id bigint, p_status varchar(16), p_status_date date, "
               "p_division varchar(12)) ON COMMIT DROP")

# Each checked row's person: one probe of the registry's unique hash index per hash, in the order given
# (LIMIT 1 keeps the planner from turning a chunk's join into a scan of the whole registry). The hashes
# (hex digests) are sent as one space-separated text: psycopg takes 40 ms to send 10,000 as an array.
RESOLVE_SQL = ("SELECT p.id, p.status, p.status_date, p.division_code FROM unnest(string_to_array(%s, ' ')) "
               "WITH ORDINALITY "
               "AS r(id_hash, n) LEFT JOIN LATERAL (SELECT p.id, p.status, p.status_date, p.division_code "
               "FROM people_person p WHERE p.id_number_hash = r.id_hash LIMIT 1) p ON true ORDER BY r.n")


def match_sql(kind: str) -> str:
    """One INSERT … SELECT from the staging table, whose rows carry the person each one's hash found in
    the registry (`RESOLVE_SQL`): each row's outcome (consistent / change / not found per kind of list;
    an unknown ID issued elsewhere is a bad row saying so)."""
    outcome, detail = OUTCOME_SQL[kind]
    return (
        "INSERT INTO benefits_matchrow (batch_id, row_no, name, id_hash, id_masked, event_date, category, action, "
        "grade, person_id, outcome, \"column\", reason, detail, division_code) "
        "SELECT %s, r.row_no, r.name, r.id_hash, r.id_masked, r.event_date, r.category, r.action, r.grade, p.id, "
        "CASE WHEN r.outcome = 'bad' THEN 'bad' WHEN p.id IS NOT NULL THEN " + outcome + " "
        "WHEN r.id_masked NOT LIKE %s THEN 'bad' ELSE 'not_found' END, "
        "CASE WHEN r.outcome = 'bad' THEN r.col WHEN p.id IS NULL AND r.id_masked NOT LIKE %s THEN '身份证号码' "
        "ELSE '' END, "
        "CASE WHEN r.outcome = 'bad' THEN r.reason WHEN p.id IS NULL AND r.id_masked NOT LIKE %s THEN "
        "'外市身份证号码（地区码 ' || substr(r.id_masked, 1, 6) || '），本市档案中无此人' ELSE '' END, "
        "CASE WHEN p.id IS NULL THEN '' ELSE " + detail + " END, COALESCE(p.division_code, '') "
        "FROM match_stage r CROSS JOIN LATERAL (SELECT r.person_id AS id, r.p_status AS status, "
        "r.p_status_date AS status_date, r.p_division AS division_code) p"
    )


CHUNK_ROWS = 10_000  # rows checked, then staged and matched, at a time


def checked_chunks(kind: str, rows: Iterable[tuple[int, dict[str, Any]]], col: Any, today: dt.date, *,
                   size: int | None = None) -> Iterator[list[Staged]]:
    """check_rows over the file CHUNK_ROWS rows at a time (duplicates found across the whole file)."""
    sealer, seen = Sealer(), {}
    it = iter(rows)
    while chunk := list(islice(it, size or CHUNK_ROWS)):
        yield check_rows(kind, chunk, col, today, sealer=sealer, seen=seen)


class _BinaryRows:
    """Rows as the bytes of a binary COPY, made by the checking thread so that the writing thread only
    sends them (psycopg's own C row formatter, as `Copy.write_row` uses it; the connection's adapters)."""

    def __init__(self, conn: Any, types: tuple[str, ...]) -> None:
        from psycopg import pq
        from psycopg.adapt import Transformer

        self.tx = Transformer(conn)
        self.tx.set_dumper_types([conn.adapters.types.get_oid(t) for t in types], pq.Format.BINARY)

    def data(self, rows: Iterable[tuple[Any, ...]]) -> bytes:
        from psycopg._copy_base import (
            BinaryFormatter,  # the formatter behind Copy.write_row (psycopg 3.2–3.3)
        )

        formatter = BinaryFormatter(self.tx)
        out = bytearray()
        for row in rows:
            out += formatter.write_row(row)
        out += formatter.end()
        return bytes(out)


class _Stage(threading.Thread):
    """One stage of the pipeline (a thread): `work()` takes items from its queue until None. A failure is
    kept (`error`) and re-raised by the calling thread once every stage has finished."""

    def __init__(self, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.items: queue.Queue[Any] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None

    def put(self, item: Any) -> None:
        while self.is_alive():
            try:
                self.items.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def finish(self) -> None:
        self.put(None)
        self.join()

    def run(self) -> None:
        try:
            self.work()
        except BaseException as exc:  # re-raised by the calling thread
            self.error = exc

    def work(self) -> None:
        raise NotImplementedError


class _Matcher(_Stage):
    """Stages and matches the resolved chunks on the request's own connection and transaction (COPY into a
    temporary table, one INSERT … SELECT per chunk), counting the rows written by outcome."""

    def __init__(self, batch_id: int, kind: str) -> None:
        super().__init__("matching-writer")
        self.raw = connection.connection  # inside the caller's transaction (atomic: autocommit off)
        self.sql, self.params = match_sql(kind), [batch_id, CITY + "%", CITY + "%", CITY + "%"]
        self.counts: dict[str, int] = {}  # rows written, by outcome

    def work(self) -> None:
        with self.raw.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS match_stage")
            cur.execute(STAGE_TABLE)
            while (chunk := self.items.get()) is not None:
                self._match(cur, chunk)

    def _match(self, cur: Any, chunk: bytes) -> None:
        cur.execute("TRUNCATE match_stage")
        with cur.copy(f"COPY match_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN (FORMAT binary)") as copy:
            copy.write(chunk)
        cur.execute(f"WITH written AS ({self.sql} RETURNING outcome) SELECT outcome, count(*) FROM written "
                    "GROUP BY outcome", self.params)
        for outcome, n in cur.fetchall():
            self.counts[outcome] = self.counts.get(outcome, 0) + n


class _Resolver(_Stage):
    """Finds each checked row's person in the registry (`RESOLVE_SQL`) and hands the chunk, as the bytes of
    a binary COPY, to the writer. Where the import is its connection's outermost transaction, it reads on
    a second connection, so that two PostgreSQL backends work at once (the probes on one, the writing on
    the other) while Python checks the next chunk: that connection sees exactly what the request's own
    would, because the request has written nothing to the registry before. Inside a caller's transaction
    (which may hold registry rows not yet committed) it reads on the request's connection, one statement
    at a time with the writer."""

    def __init__(self, writer: _Matcher, *, own_connection: bool) -> None:
        super().__init__("matching-resolver")
        self.writer, self.own_connection, self.alias = writer, own_connection, connection.alias
        self.binary = _BinaryRows(writer.raw, STAGE_TYPES)

    def work(self) -> None:
        wrapper = None
        if self.own_connection:  # made in this thread: Django's wrapper is used by the thread that made it
            wrapper = connections.create_connection(self.alias)
            wrapper.ensure_connection()
        raw = self.writer.raw if wrapper is None else wrapper.connection
        try:
            with raw.cursor() as cur:
                while (chunk := self.items.get()) is not None:
                    found = [st for st in chunk if st.outcome != MatchOutcome.BAD]
                    if found:
                        cur.execute(RESOLVE_SQL, [" ".join([st.id_hash for st in found])])
                        for st, person in zip(found, cur.fetchall(), strict=True):
                            st.person = person
                    if self.writer.error is not None:
                        return
                    self.writer.put(self.binary.data(st.stage_row() for st in chunk))
        finally:
            if wrapper is not None:
                wrapper.close()


def _stage_and_match(batch_id: int, kind: str, chunks: Iterable[list[Staged]], *, own_connection: bool
                     ) -> dict[str, int]:
    """Each checked chunk resolved against the registry, COPY'd into a temporary staging table and
    matched by one INSERT on the caller's transaction, in a pipeline of three threads (checking,
    resolving, writing). Returns the rows written by outcome."""
    writer = _Matcher(batch_id, kind)
    resolver = _Resolver(writer, own_connection=own_connection)
    writer.start()
    resolver.start()
    try:
        for chunk in chunks:
            if writer.error is not None or resolver.error is not None:  # finish() raises it: stop checking
                break
            resolver.put(chunk)
    finally:
        resolver.finish()
        writer.finish()
    for stage in (writer, resolver):
        if stage.error is not None:
            raise stage.error
    return writer.counts


def match_import(*, by: User, kind: str, filename: str, content: bytes, source_unit: str, document_no: str,
                 today: dt.date | None = None) -> MatchBatch:
    """Read a list, stage and match it; returns the batch with its counts. Changes nothing else."""
    _require(by, "benefits.match")
    _require_engine()
    if kind not in MatchKind.values:
        raise ValidationFailed("请选择名单类型", details={"kind": "名单类型不正确"})
    errors = {}
    if not source_unit.strip():
        errors["source_unit"] = "请填写来源单位（如：阳江市公安局江城分局）"
    if not document_no.strip():
        errors["document_no"] = "请填写来文编号或名单编号（确认后记为变更依据）"
    if errors:
        raise ValidationFailed("请填写名单的来源", details=errors)
    today = today or timezone.localdate()
    digest = hashlib.sha256(content).hexdigest()
    if MatchBatch.objects.filter(kind=kind, file_sha256=digest).exists():
        raise Conflict("该名单文件已导入过，请在比对结果中查看")
    started = time.monotonic()
    table = read_upload(content, kind="matching", filename=filename, expected_headers=HEADERS, aliases=ALIASES,
                        min_matches=2)
    try:
        missing = [h for h in ("身份证号码", "日期") if h not in table.columns]
        if kind == MatchKind.ASSISTANCE:
            missing += [h for h in ("类别", "变动") if h not in table.columns]
        if kind == MatchKind.DISABILITY and "残疾等级" not in table.columns:
            missing.append("残疾等级")
        if missing:
            shown = "、".join(DATE_LABEL[kind] if h == "日期" else h for h in missing)
            raise ValidationFailed(f"名单缺少必需的列：{shown}", details={"file": f"缺少列：{shown}"})
        chunks = checked_chunks(kind, table, table.column_of, today)
        first = next(chunks, None)
        if not first:
            raise ValidationFailed("名单中没有数据行", details={"file": "没有数据行"})
        # outermost: nothing this connection wrote is uncommitted, so a second connection may read the registry
        outermost = connection.get_autocommit() and not connection.in_atomic_block
        try:
            with audit_context(by), transaction.atomic():
                batch = MatchBatch.objects.create(kind=kind, filename=filename[:200], file_sha256=digest,
                                                  source_unit=source_unit.strip()[:100],
                                                  document_no=document_no.strip()[:120], uploaded_by=by,
                                                  division_code=by.scope_prefix or CITY)
                counts = _stage_and_match(batch.pk, kind, chain([first], chunks), own_connection=outermost)
                _record(batch, counts, by, filename, started)
        except IntegrityError as exc:
            raise Conflict("该名单文件正由他人同时导入") from exc
    finally:
        table.close()
    return batch


def _record(batch: MatchBatch, counts: dict[str, int], by: User, filename: str, started: float) -> None:
    """The batch's counts by outcome, its audit line and the exchanges signal (inside the import's
    transaction)."""
    batch.rows = sum(counts.values())
    batch.consistent = counts.get("consistent", 0)
    batch.changes = counts.get("change", 0)
    batch.not_found = counts.get("not_found", 0)
    batch.bad = counts.get("bad", 0)
    batch.seconds = round(time.monotonic() - started, 3)
    batch.save(update_fields=["rows", "consistent", "changes", "not_found", "bad", "seconds"])
    audit_bulk(MatchRow, operation="match_import", count=batch.rows, division_code=batch.division_code,
               params={"batch": batch.pk, "kind": batch.kind, "file": filename, "changes": batch.changes,
                       "not_found": batch.not_found, "bad": batch.bad})
    list_matched.send(sender=MatchBatch, batch=batch, by=by, event="import", count=batch.rows)


# --------------------------------------------------------------------------- confirmation


def match_confirm(*, by: User, batch: MatchBatch, row_ids: list[int] | None = None) -> int:
    """Confirm the batch's changes (all of them in the user's scope, or the rows given): the registry
    changes, with the list as the source document. Returns how many rows were confirmed."""
    _require(by, "benefits.match")
    _require_engine()
    from yanglao.core.scope import restrict

    from . import recoveries

    with audit_context(by), transaction.atomic():
        batch = MatchBatch.objects.select_for_update().get(pk=batch.pk)
        qs = restrict(MatchRow.objects.filter(batch=batch, outcome=MatchOutcome.CHANGE, confirmed_at__isnull=True), by)
        if row_ids is not None:
            qs = qs.filter(pk__in=row_ids)
        rows = list(qs.select_for_update().order_by("row_no").values_list("pk", flat=True))
        if not rows:
            raise Conflict("没有待确认的变化（已确认，或不在您的管辖范围内）")
        document = f"{batch.source_unit} {batch.document_no}（{batch.get_kind_display()}，第{batch.pk}批）"[:200]
        now = timezone.now()
        kind = batch.kind
        if kind in (MatchKind.DEATH, MatchKind.MOVED_AWAY):
            _confirm_status(rows, "deceased" if kind == MatchKind.DEATH else "moved_away", document, by, now)
            recoveries.open_for_rows(rows, event=kind, document=document, by=by)
        elif kind == MatchKind.PRISON:
            _suspend_paid(rows, "imprisonment", document, by, now)
        else:
            _confirm_categories(rows, batch, document, by)
        MatchRow.objects.filter(pk__in=rows).update(confirmed_by=by, confirmed_at=now)
        batch.confirmed = MatchRow.objects.filter(batch=batch, confirmed_at__isnull=False).count()
        batch.save(update_fields=["confirmed"])
        audit_bulk(MatchRow, operation="match_confirm", count=len(rows), division_code=batch.division_code,
                   params={"batch": batch.pk, "kind": kind, "document": document})
        list_matched.send(sender=MatchBatch, batch=batch, by=by, event="confirm", count=len(rows))
    return len(rows)


def _execute(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return max(cur.rowcount, 0)


def _confirm_status(rows: list[int], status: str, document: str, by: User, now: dt.datetime) -> None:
    """The person's status and date (one UPDATE), approved enrolments ended with the event month as the
    last month paid, and a suspension from the month after for every programme still paying them."""
    from yanglao.people.models import Person

    n = _execute(
        "UPDATE people_person p SET status = %s, status_date = r.event_date, updated_at = %s, version = p.version + 1 "
        "FROM benefits_matchrow r WHERE r.id = ANY(%s) AND r.person_id = p.id AND p.status IN ('active', %s)",
        [status, now, rows, status])
    audit_bulk(Person, operation=f"match_{status}", count=n, params={"rows": len(rows), "document": document})
    _execute(
        "UPDATE benefits_enrolment en SET status = 'ended', end_reason = %s, ended_at = %s, ended_by_id = %s, "
        "to_month = GREATEST(en.from_month, date_trunc('month', r.event_date)::date), updated_at = %s, "
        "version = en.version + 1 FROM benefits_matchrow r WHERE r.id = ANY(%s) AND r.person_id = en.person_id "
        "AND en.status = 'approved'",
        ["death" if status == "deceased" else "moved_away", now, by.pk, now, rows])
    _suspend_paid(rows, "death" if status == "deceased" else "moved_away", document, by, now)


def _suspend_paid(rows: list[int], reason: str, document: str, by: User, now: dt.datetime) -> int:
    """A suspension from the month after the event for every programme that paid the person for any
    month after it or still pays them (their line in the latest approved run), unless one is open."""
    from .models import Suspension

    n = _execute(
        "INSERT INTO benefits_suspension (person_id, programme_id, reason, note, from_month, to_month, created_by_id, "
        "resumed_by_id, resume_note, lifted_at, document, division_code, created_at, updated_at, version) "
        "SELECT DISTINCT r.person_id, e.programme_id, %s, '数据比对确认', "
        "(date_trunc('month', r.event_date) + interval '1 month')::date, NULL::date, %s, NULL::bigint, '', "
        "NULL::timestamptz, %s, p.division_code, %s::timestamptz, %s::timestamptz, 1 "
        "FROM benefits_matchrow r JOIN people_person p ON p.id = r.person_id "
        "JOIN benefits_entitlement e ON e.person_id = r.person_id "
        "JOIN benefits_paymentrun pr ON pr.id = e.run_id "
        "WHERE r.id = ANY(%s) AND pr.status IN ('approved', 'paid', 'reconciled') "
        "AND e.month >= date_trunc('month', r.event_date) - interval '1 month' "
        "AND NOT EXISTS (SELECT 1 FROM benefits_suspension s WHERE s.person_id = r.person_id "
        "AND s.programme_id = e.programme_id AND s.to_month IS NULL AND s.lifted_at IS NULL)",
        [reason, by.pk, document, now, now, rows])
    audit_bulk(Suspension, operation=f"match_suspend_{reason}", count=n, params={"rows": len(rows), "document": document})
    return n


def _confirm_categories(rows: list[int], batch: MatchBatch, document: str, by: User) -> None:
    """低保/特困 and disability lists: categories added or ended one by one (lists of hundreds)."""
    from yanglao.people.models import PersonCategory

    for r in MatchRow.objects.filter(pk__in=rows).select_related("person"):
        assert r.event_date is not None and r.person is not None
        if r.action == "add":
            PersonCategory.objects.get_or_create(
                person=r.person, category=r.category, valid_from=r.event_date,
                defaults={"document_no": batch.document_no[:64], "issuing_unit": batch.source_unit[:64],
                          "disability_grade": r.grade if r.category == "severe_disability" else None,
                          "division_code": r.person.division_code})
        else:
            for c in PersonCategory.objects.filter(person=r.person, category=r.category, valid_from__lte=r.event_date
                                                   ).exclude(valid_to__lt=r.event_date):
                c.valid_to = max(c.valid_from, r.event_date - dt.timedelta(days=1))
                c.document_no = (c.document_no or batch.document_no)[:64]
                c.save(update_fields=["valid_to", "document_no"])


def next_month_after(day: dt.date) -> dt.date:
    return add_months(month_start(day), 1)
