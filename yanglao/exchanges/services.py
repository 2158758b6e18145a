"""Writes of the exchanges module: the run log, the national batches and returned lists, and
long-term care insurance (records, settlement lists, the exclusion from the city's care subsidy)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from yanglao.core.audit import audit_bulk, audit_context
from yanglao.core.crypto import Sealer
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.idnumber import IdNumberError, mask_id_number, parse_id_number
from yanglao.core.models import User
from yanglao.core.tabular import CellError, cell_to_date, cell_to_id_text, clean_name, clean_text
from yanglao.core.uploads import read_upload

from . import layouts
from .models import (
    CareSetting,
    Exchange,
    ExchangeRun,
    LtcAssessment,
    LtcBenefit,
    LtcCarePlan,
    LtcOffset,
    LtcProvider,
    LtcSettlement,
    LtcSettlementRow,
    NationalBatch,
    NationalFile,
    NationalRegistration,
    NationalReturn,
    NationalReturnRow,
    RunStatus,
    SettlementStatus,
)

CITY = "4417"
ID_PURPOSE = "id_number"  # the registry's keyed-hash purpose (people.services.ID_PURPOSE)
MAX_ERRORS_KEPT = 200
CHUNK = 2000


def _require(user: User, capability: str, message: str = "您没有该数据交换的权限") -> None:
    if not user.can(capability):
        raise Forbidden(message)


# --------------------------------------------------------------------------- the run log


def run_record(*, exchange: str, event: str, by: User | None, status: str, division_code: str, filename: str = "",
               file_sha256: str = "", rows_total: int = 0, rows_ok: int = 0, rows_bad: int = 0, rows_changed: int = 0,
               changed: str = "", errors: Iterable[dict[str, Any]] = (), source_url: str = "") -> ExchangeRun:
    """One line of an exchange's log (a run of an exchange that is not configured is a bug: it raises)."""
    ex = Exchange.objects.filter(code=exchange).first()
    if ex is None:  # the built-ins are seeded by a migration; a flushed test database lost them
        from .defaults import ensure_exchanges

        ensure_exchanges()
        ex = Exchange.objects.get(code=exchange)
    kept = []
    for e in errors:
        kept.append({k: (str(v) if v is not None else "") for k, v in e.items()})
        if len(kept) >= MAX_ERRORS_KEPT:
            break
    return ExchangeRun.objects.create(
        exchange=ex, event=event, at=timezone.now(), by=by, filename=filename[:200], file_sha256=file_sha256,
        rows_total=rows_total, rows_ok=rows_ok, rows_bad=rows_bad, rows_changed=rows_changed, status=status,
        changed=changed[:500], errors=kept, source_url=source_url[:200], division_code=division_code or CITY)


def exchange_update(*, by: User, exchange: Exchange, data: dict[str, Any]) -> Exchange:
    _require(by, "exchanges.manage", "只有市级管理员可以配置数据交换")
    fields = ["name", "partner", "carries", "frequency", "layout", "layout_version", "basis", "contact", "active"]
    if not exchange.built_in:
        fields.append("direction")
    for f in fields:
        if f in data:
            setattr(exchange, f, data[f])
    errors = {f: "必填" for f in ("name", "partner", "carries", "layout", "layout_version") if not str(getattr(exchange, f)).strip()}
    if errors:
        raise ValidationFailed("请填写交换的必填项", details=errors)
    exchange.check_text()
    with audit_context(by):
        exchange.save()
    return exchange


def exchange_create(*, by: User, data: dict[str, Any]) -> Exchange:
    _require(by, "exchanges.manage", "只有市级管理员可以配置数据交换")
    code = str(data.get("code") or "").strip()
    if not re.fullmatch(r"[a-z0-9-]{2,40}", code):
        raise ValidationFailed("交换代码应为2–40位小写字母、数字或连字符", details={"code": "格式不正确"})
    if Exchange.objects.filter(code=code).exists():
        raise Conflict("该交换代码已存在", details={"code": "已存在"})
    ex = Exchange(code=code, direction=data.get("direction") or "in", frequency=data.get("frequency") or "monthly")
    return exchange_update(by=by, exchange=ex, data=data)


def on_list_matched(sender: Any, *, batch: Any, by: User, event: str, count: int, **kwargs: Any) -> None:
    """benefits.matching.list_matched: each data-matching import and confirmation is a run of the
    department's exchange (`match-<kind>`), with its bad rows as the run's errors."""
    from yanglao.benefits.models import MatchRow

    url = reverse("benefits:match_batch", args=[batch.pk])
    if event == "import":
        bad = MatchRow.objects.filter(batch=batch, outcome="bad").order_by("row_no").values_list("row_no", "column",
                                                                                                 "reason")[:MAX_ERRORS_KEPT]
        run_record(exchange=f"match-{batch.kind}", event="import", by=by,
                   status=RunStatus.WITH_ERRORS if batch.bad else RunStatus.OK, division_code=batch.division_code,
                   filename=batch.filename, file_sha256=batch.file_sha256, rows_total=batch.rows,
                   rows_ok=batch.rows - batch.bad, rows_bad=batch.bad, rows_changed=0,
                   changed=f"比对：一致 {batch.consistent}，有变化 {batch.changes}（待确认），档案中无此人 {batch.not_found}；"
                           "确认前档案未作更改", errors=[{"row": r, "column": c, "reason": why} for r, c, why in bad],
                   source_url=url)
    else:
        run_record(exchange=f"match-{batch.kind}", event="confirm", by=by, status=RunStatus.OK,
                   division_code=by.scope_prefix or batch.division_code, filename=batch.filename,
                   file_sha256=batch.file_sha256, rows_total=count, rows_ok=count, rows_changed=count,
                   changed=f"确认 {count} 条变化，按来文 {batch.source_unit} {batch.document_no} 更改档案", source_url=url)


# --------------------------------------------------------------------------- national batches


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    m = re.fullmatch(r"\s*(\d{4})\s*[Qq季]\s*([1-4])\s*", text or "")
    if not m:
        raise ValidationFailed("报送期应写作“2026Q4”", details={"period": "格式：年份Q季度，如 2026Q4"})
    year, q = int(m.group(1)), int(m.group(2))
    start = dt.date(year, 3 * q - 2, 1)
    end = (dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)) - dt.timedelta(days=1)
    return start, end


def national_batch_create(*, by: User, period: str, today: dt.date | None = None) -> NationalBatch:
    """Produce every file of the quarter: each checked against its layout; failing rows kept out and
    listed with the reason; each file's hash and counts recorded. Sending is a separate step."""
    _require(by, "exchanges.national", "只有市级管理员可以生成全国系统报送文件")
    today = today or timezone.localdate()
    start, end = parse_period(period)
    if start > today:
        raise ValidationFailed("报送期尚未开始", details={"period": "不能晚于本季度"})
    label = f"{start.year}Q{(start.month + 2) // 3}"
    snapshot = min(end, today)
    with audit_context(by), transaction.atomic():
        batch = NationalBatch.objects.create(period=label, period_start=start, period_end=snapshot, created_by=by)
        ok = failed = 0
        for layout in layouts.LAYOUTS:
            checked = layouts.check_rows(layout, layout.rows(start, snapshot), today=today)
            content = layouts.workbook_bytes(layout, checked.rows, period=label)
            NationalFile.objects.create(
                batch=batch, layout=layout.code, layout_version=layout.version, title=layout.title,
                filename=f"{label}_{layout.filename_stem}_{layout.title}.xlsx", rows_ok=len(checked.rows),
                rows_failed=checked.failed, sha256=hashlib.sha256(content).hexdigest(), content=content,
                errors=checked.errors[:2000])
            ok += len(checked.rows)
            failed += checked.failed
        batch.rows_ok, batch.rows_failed = ok, failed
        batch.save(update_fields=["rows_ok", "rows_failed"])
        errors = [e for f in batch.files.all() for e in ({"row": x["row"], "column": f"{f.title} · {x['column']}",
                                                          "reason": f"{x['record']}：{x['reason']}"} for x in f.errors)]
        run_record(exchange="national-batch", event="export", by=by,
                   status=RunStatus.WITH_ERRORS if failed else RunStatus.OK, division_code=CITY,
                   filename=f"{label}（{len(layouts.LAYOUTS)} 个文件，格式 {layouts.LAYOUT_SET_VERSION}）",
                   rows_total=ok + failed, rows_ok=ok, rows_bad=failed,
                   changed="生成报送文件；未通过校验的行未写入文件", errors=errors,
                   source_url=reverse("exchanges:national_batch", args=[batch.pk]))
    return batch


def national_batch_mark_sent(*, by: User, batch: NationalBatch, note: str = "") -> NationalBatch:
    """The record of what was sent when: the batch's files (their hashes and counts) are frozen as sent."""
    _require(by, "exchanges.national", "只有市级管理员可以登记报送")
    with audit_context(by), transaction.atomic():
        batch = NationalBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.sent_at:
            raise Conflict(f"该批次已于 {timezone.localtime(batch.sent_at):%Y-%m-%d %H:%M} 登记报送")
        batch.sent_at, batch.sent_by, batch.sent_note = timezone.now(), by, note.strip()[:200]
        batch.save(update_fields=["sent_at", "sent_by", "sent_note", "updated_at", "version"])
        files = list(batch.files.values_list("title", "rows_ok", "sha256"))
        run_record(exchange="national-batch", event="sent", by=by, status=RunStatus.OK, division_code=CITY,
                   filename=f"{batch.period}（第{batch.pk}批）", rows_total=batch.rows_ok, rows_ok=batch.rows_ok,
                   changed="已报送：" + "；".join(f"{t} {n} 行 SHA-256 {h[:12]}…" for t, n, h in files),
                   source_url=reverse("exchanges:national_batch", args=[batch.pk]))
    return batch


# --------------------------------------------------------------------------- lists read back by ID number

RETURN_HEADERS = ["姓名", "身份证号码", "全国系统编号", "登记日期"]
RETURN_ALIASES = {"公民身份号码": "身份证号码", "身份证号": "身份证号码", "证件号码": "身份证号码",
                  "老年人编号": "全国系统编号", "系统编号": "全国系统编号", "编号": "全国系统编号",
                  "登记时间": "登记日期", "采集日期": "登记日期", "建档日期": "登记日期"}


@dataclass
class Checked:
    row_no: int
    name: str = ""
    id_hash: str = ""
    id_masked: str = ""
    region: str = ""
    column: str = ""
    reason: str = ""
    extra: dict[str, Any] | None = None

    @property
    def bad(self) -> bool:
        return bool(self.reason)


def _check_ids(rows: Iterable[tuple[int, dict[str, Any]]], col: Any, today: dt.date) -> list[tuple[Checked, dict[str, Any]]]:
    """Each row's ID number checked and turned into the registry's keyed hash (duplicates refused)."""
    sealer = Sealer()
    seen: dict[str, int] = {}
    out = []
    for row_no, cells in rows:
        c = Checked(row_no=row_no, name=clean_name(cells.get("姓名")))
        text, problem = cell_to_id_text(cells.get("身份证号码"))
        if problem or not text:
            c.column, c.reason = f"{col('身份证号码')} 身份证号码".strip(), problem or "必填"
        else:
            try:
                parsed = parse_id_number(text, today=today)
            except IdNumberError as exc:
                c.column, c.reason = f"{col('身份证号码')} 身份证号码".strip(), exc.message
                c.id_masked = mask_id_number(text)[:18]
            else:
                c.id_masked, c.region = mask_id_number(parsed.value), parsed.value[:6]
                c.id_hash = sealer.hash(parsed.value, purpose=ID_PURPOSE)
                if c.id_hash in seen:
                    c.column, c.reason = "身份证号码", f"与第 {seen[c.id_hash]} 行重复"
                    c.id_hash = ""
                else:
                    seen[c.id_hash] = row_no
        out.append((c, cells))
    return out


def _people_by_hash(hashes: list[str]) -> dict[str, tuple[int, str]]:
    """Registry people by keyed hash (chunks of an indexed IN: the same on PostgreSQL and SQLite)."""
    from yanglao.people.models import Person

    found: dict[str, tuple[int, str]] = {}
    for i in range(0, len(hashes), CHUNK):
        for h, pk, division in Person.objects.filter(id_number_hash__in=hashes[i:i + CHUNK]).values_list(
                "id_number_hash", "pk", "division_code"):
            found[h] = (pk, division)
    return found


def national_return_import(*, by: User, filename: str, content: bytes, list_name: str,
                           today: dt.date | None = None) -> NationalReturn:
    """A list the national system sends back (e.g. people registered there): matched with the registry
    by ID number into a review list. Nothing changes until a person confirms it."""
    _require(by, "exchanges.national", "只有市级管理员可以导入全国系统名单")
    if not list_name.strip():
        raise ValidationFailed("请填写名单名称", details={"list_name": "必填"})
    today = today or timezone.localdate()
    digest = hashlib.sha256(content).hexdigest()
    if NationalReturn.objects.filter(file_sha256=digest).exists():
        raise Conflict("该名单文件已导入过", details={"file": "已导入过"})
    table = read_upload(content, kind="matching", filename=filename, expected_headers=RETURN_HEADERS,
                        aliases=RETURN_ALIASES, min_matches=2)
    try:
        if "身份证号码" not in table.columns:
            raise ValidationFailed("名单缺少必需的列：身份证号码", details={"file": "缺少列：身份证号码"})
        checked = _check_ids(table, table.column_of, today)
    finally:
        table.close()
    if not checked:
        raise ValidationFailed("名单中没有数据行", details={"file": "没有数据行"})
    people = _people_by_hash([c.id_hash for c, _cells in checked if c.id_hash])
    rows = []
    for c, cells in checked:
        registered_on = None
        if not c.bad and cells.get("登记日期") not in (None, ""):
            try:
                registered_on = cell_to_date(cells.get("登记日期"))
            except CellError as exc:
                c.column, c.reason = "登记日期", exc.message
        person = people.get(c.id_hash) if not c.bad else None
        outcome = "bad" if c.bad else "matched" if person else "not_found"
        rows.append(NationalReturnRow(row_no=c.row_no, name=c.name[:32], id_masked=c.id_masked, id_hash=c.id_hash,
                                      national_no=clean_text(cells.get("全国系统编号"))[:40], registered_on=registered_on,
                                      person_id=person[0] if person else None, outcome=outcome, column=c.column[:40],
                                      reason=c.reason[:200], division_code=person[1] if person else ""))
    try:
        with audit_context(by), transaction.atomic():
            batch = NationalReturn.objects.create(filename=filename[:200], file_sha256=digest,
                                                  list_name=list_name.strip()[:100], uploaded_by=by, rows=len(rows))
            for r in rows:
                r.batch = batch
            NationalReturnRow.objects.bulk_create(rows, batch_size=1000)
            counts = dict(batch.lines.values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n"))
            batch.matched, batch.not_found, batch.bad = (counts.get("matched", 0), counts.get("not_found", 0),
                                                         counts.get("bad", 0))
            batch.save(update_fields=["matched", "not_found", "bad"])
            audit_bulk(NationalReturnRow, operation="national_return_import", count=len(rows),
                       params={"batch": batch.pk, "file": filename, "matched": batch.matched, "bad": batch.bad})
            run_record(exchange="national-return", event="import", by=by,
                       status=RunStatus.WITH_ERRORS if batch.bad else RunStatus.OK, division_code=CITY,
                       filename=filename, file_sha256=digest, rows_total=len(rows), rows_ok=len(rows) - batch.bad,
                       rows_bad=batch.bad, changed=f"比对：本市有此人 {batch.matched}，无此人 {batch.not_found}；确认前不作更改",
                       errors=[{"row": r.row_no, "column": r.column, "reason": r.reason} for r in rows if r.outcome == "bad"],
                       source_url=reverse("exchanges:national_return", args=[batch.pk]))
    except IntegrityError as exc:
        raise Conflict("该名单文件正由他人同时导入") from exc
    return batch


def national_return_confirm(*, by: User, batch: NationalReturn) -> int:
    """Record the matched people as registered in the national system (the list as the source)."""
    _require(by, "exchanges.national", "只有市级管理员可以确认全国系统名单")
    with audit_context(by), transaction.atomic():
        batch = NationalReturn.objects.select_for_update().get(pk=batch.pk)
        if batch.confirmed_at:
            raise Conflict("该名单已确认")
        rows = list(batch.lines.filter(outcome="matched").values_list("person_id", "national_no", "registered_on",
                                                                      "division_code"))
        existing = set(NationalRegistration.objects.filter(person_id__in=[r[0] for r in rows])
                       .values_list("person_id", flat=True))
        new = [NationalRegistration(person_id=p, national_no=no, registered_on=on, source=batch, division_code=d)
               for p, no, on, d in rows if p not in existing]
        NationalRegistration.objects.bulk_create(new, batch_size=1000)
        batch.confirmed_at, batch.confirmed_by = timezone.now(), by
        batch.save(update_fields=["confirmed_at", "confirmed_by", "updated_at", "version"])
        audit_bulk(NationalRegistration, operation="national_return_confirm", count=len(new),
                   params={"batch": batch.pk, "already": len(existing)})
        run_record(exchange="national-return", event="confirm", by=by, status=RunStatus.OK, division_code=CITY,
                   filename=batch.filename, file_sha256=batch.file_sha256, rows_total=len(rows), rows_ok=len(rows),
                   rows_changed=len(new), changed=f"登记为已在全国系统建档 {len(new)} 人（此前已登记 {len(existing)} 人）",
                   source_url=reverse("exchanges:national_return", args=[batch.pk]))
    return len(new)


# --------------------------------------------------------------------------- long-term care insurance

ITEMS = {  # 医保办发〔2021〕37号: first-level indicator -> its second-level indicators (17)
    "adl": ("进食", "穿衣", "面部与口腔清洁", "大便控制", "小便控制", "用厕", "平地行走", "床椅转移", "上下楼梯", "洗澡"),
    "cognition": ("时间定向", "人物定向", "空间定向", "记忆力"),
    "perception": ("视力", "听力", "沟通能力"),
}
ITEM_NAMES = [name for group in ITEMS.values() for name in group]


def _person_in_scope(by: User, person: Any) -> None:
    from yanglao.core.scope import restrict
    from yanglao.people.models import Person

    if not restrict(Person.objects.filter(pk=person.pk), by).exists():
        raise Forbidden("该老年人不在您的管辖范围内")


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def ltc_assessment_add(*, by: User, person: Any, data: dict[str, Any]) -> LtcAssessment:
    _require(by, "exchanges.ltc", "您没有长期护理保险的权限")
    _person_in_scope(by, person)
    items = {k: v for k, v in (data.get("items") or {}).items() if k in ITEM_NAMES and v is not None}
    if data["assessed_on"] > timezone.localdate():
        raise ValidationFailed("评估日期不能晚于今天", details={"assessed_on": "晚于今天"})
    if data.get("valid_until") and data["valid_until"] <= data["assessed_on"]:
        raise ValidationFailed("有效期应晚于评估日期", details={"valid_until": "应晚于评估日期"})
    a = LtcAssessment(person=person, assessed_on=data["assessed_on"], adl_score=data["adl_score"],
                      cognition_score=data["cognition_score"], perception_score=data["perception_score"], items=items,
                      level=data["level"], agency=data["agency"], document_no=data.get("document_no", ""),
                      valid_until=data.get("valid_until"), division_code=person.division_code)
    a.check_text()
    with audit_context(by):
        a.save()
    return a


def ltc_benefit_add(*, by: User, person: Any, data: dict[str, Any]) -> LtcBenefit:
    _require(by, "exchanges.ltc", "您没有长期护理保险的权限")
    _person_in_scope(by, person)
    start, end = _month(data["from_month"]), data.get("to_month") and _month(data["to_month"])
    if end and end < start:
        raise ValidationFailed("终止月份不能早于起始月份", details={"to_month": "早于起始月份"})
    provider = data.get("provider")
    if provider and data["setting"] == CareSetting.HOME and not provider.home_care:
        raise ValidationFailed("该定点机构不提供居家护理", details={"provider": "不提供居家护理"})
    b = LtcBenefit(person=person, status=data.get("status") or "active", level=data["level"], setting=data["setting"],
                   provider=provider, from_month=start, to_month=end or None, document_no=data.get("document_no", ""),
                   division_code=person.division_code)
    b.check_text()
    with audit_context(by):
        b.save()
    return b


def ltc_plan_add(*, by: User, person: Any, data: dict[str, Any]) -> LtcCarePlan:
    _require(by, "exchanges.ltc", "您没有长期护理保险的权限")
    _person_in_scope(by, person)
    if data.get("valid_to") and data["valid_to"] < data["valid_from"]:
        raise ValidationFailed("终止日期不能早于起始日期", details={"valid_to": "早于起始日期"})
    p = LtcCarePlan(person=person, provider=data["provider"], valid_from=data["valid_from"],
                    valid_to=data.get("valid_to"), hours_per_month=data["hours_per_month"], services=data["services"],
                    division_code=person.division_code)
    p.check_text()
    with audit_context(by):
        p.save()
    return p


def ltc_provider_add(*, by: User, data: dict[str, Any]) -> LtcProvider:
    _require(by, "exchanges.settle", "只有市级管理员可以登记定点护理机构")
    if LtcProvider.objects.filter(code=data["code"]).exists():
        raise Conflict("该医保定点编码已登记", details={"code": "已登记"})
    p = LtcProvider(**{k: data.get(k) for k in ("name", "code", "credit_code", "home_care", "institution_care",
                                                 "institution", "valid_from", "valid_to")},
                    division_code=data.get("division_code") or CITY)
    p.credit_code = p.credit_code or ""
    p.check_text()
    with audit_context(by):
        p.save()
    return p


def ltc_offset_add(*, by: User, programme: Any, valid_from: dt.date, basis: str,
                   valid_to: dt.date | None = None) -> LtcOffset:
    _require(by, "exchanges.settle", "只有市级管理员可以设置互斥规则")
    if not basis.strip():
        raise ValidationFailed("请填写依据", details={"basis": "必填"})
    o = LtcOffset(programme=programme, valid_from=valid_from, valid_to=valid_to, basis=basis.strip())
    with audit_context(by):
        o.save()
    return o


# Who LTC pays for home care in a month: a confirmed settlement line, or a benefit that covers it.
LTC_HOME_SQL = (
    "SELECT r.person_id FROM exchanges_ltcsettlementrow r "
    "JOIN exchanges_ltcsettlement s ON s.id = r.settlement_id "
    "WHERE s.status = 'confirmed' AND s.month = %s AND r.setting = 'home' AND r.outcome = 'matched' "
    "AND r.person_id IS NOT NULL "
    "UNION SELECT b.person_id FROM exchanges_ltcbenefit b WHERE b.setting = 'home' AND b.status = 'active' "
    "AND b.from_month <= %s AND (b.to_month IS NULL OR b.to_month >= %s)"
)
STOP_CODE = "ltc_home_care"


def ltc_exclusion(programme: Any, month: dt.date) -> Any:
    """benefits.engine exclusion: a programme the LTC offset rules name is not paid, for a month, to
    people long-term care insurance pays for home care that month."""
    from django.db.models import Q

    from yanglao.benefits.engine import Exclusion

    if not LtcOffset.objects.filter(programme=programme, valid_from__lte=month).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=month)).exists():
        return None
    return Exclusion(code=STOP_CODE, sql=LTC_HOME_SQL, params=[month, month, month])


SETTING_WORDS = {"居家": "home", "居家护理": "home", "上门": "home", "上门护理": "home", "居家上门": "home",
                 "机构": "institution", "机构护理": "institution", "入住机构": "institution", "机构上门": "home"}
LEVEL_WORDS = {"重度失能Ⅰ级": 3, "重度失能I级": 3, "重度失能一级": 3, "重度Ⅰ级": 3, "重度失能Ⅱ级": 4, "重度失能II级": 4,
               "重度失能二级": 4, "重度Ⅱ级": 4, "重度失能Ⅲ级": 5, "重度失能III级": 5, "重度失能三级": 5, "重度Ⅲ级": 5,
               "中度失能": 2, "轻度失能": 1, "基本正常": 0, "1": 3, "2": 4, "3": 5}
SETTLE_HEADERS = ["姓名", "身份证号码", "结算月份", "护理方式", "失能等级", "服务天数", "基金支付金额", "定点护理机构", "参保地"]
SETTLE_ALIASES = {"公民身份号码": "身份证号码", "身份证号": "身份证号码", "证件号码": "身份证号码",
                  "待遇类型": "护理方式", "服务方式": "护理方式", "护理类型": "护理方式", "等级": "失能等级",
                  "天数": "服务天数", "享受天数": "服务天数", "基金支付": "基金支付金额", "统筹支付": "基金支付金额",
                  "长护险基金支付": "基金支付金额", "护理机构": "定点护理机构", "服务机构": "定点护理机构",
                  "参保地区": "参保地", "统筹区": "参保地", "月份": "结算月份", "费用月份": "结算月份"}


def _settle_month(value: Any) -> dt.date | None:
    text = clean_text(value).replace(" ", "")
    m = re.fullmatch(r"(\d{4})[-/年.]?(\d{1,2})月?(?:[-/.]\d{1,2}日?)?", text)
    if m and 1 <= int(m.group(2)) <= 12:
        return dt.date(int(m.group(1)), int(m.group(2)), 1)
    try:
        return _month(cell_to_date(value))
    except CellError:
        return None


def ltc_settlement_import(*, by: User, month: dt.date, filename: str, content: bytes,
                          today: dt.date | None = None) -> LtcSettlement:
    """A month's settlement list: each row checked and matched by ID number; a person outside the city
    and every bad cell reported per row. Nothing changes (no subsidy is held) until it is confirmed."""
    _require(by, "exchanges.settle", "只有市级管理员可以导入长护险结算清单")
    today = today or timezone.localdate()
    month = _month(month)
    if month > today:
        raise ValidationFailed("结算月份不能晚于本月", details={"month": "晚于本月"})
    digest = hashlib.sha256(content).hexdigest()
    if LtcSettlement.objects.filter(file_sha256=digest).exists():
        raise Conflict("该结算清单文件已导入过", details={"file": "已导入过"})
    table = read_upload(content, kind="matching", filename=filename, expected_headers=SETTLE_HEADERS,
                        aliases=SETTLE_ALIASES, min_matches=3)
    try:
        missing = [h for h in ("身份证号码", "护理方式") if h not in table.columns]
        if missing:
            raise ValidationFailed(f"清单缺少必需的列：{'、'.join(missing)}", details={"file": f"缺少列：{'、'.join(missing)}"})
        col = table.column_of
        checked = _check_ids(table, col, today)
    finally:
        table.close()
    if not checked:
        raise ValidationFailed("清单中没有数据行", details={"file": "没有数据行"})
    people = _people_by_hash([c.id_hash for c, _cells in checked if c.id_hash])
    rows: list[LtcSettlementRow] = []
    for c, cells in checked:
        r = LtcSettlementRow(row_no=c.row_no, name=c.name[:32], id_masked=c.id_masked, id_hash=c.id_hash,
                             provider_name=clean_text(cells.get("定点护理机构"))[:128])

        def bad(column: str, reason: str, r: LtcSettlementRow = r) -> None:
            if not r.reason:
                r.column, r.reason = f"{col(column)} {column}".strip()[:40], reason[:200]

        if c.bad:
            r.column, r.reason = c.column[:40], c.reason[:200]
        place = clean_text(cells.get("参保地")).replace(" ", "")
        if not c.bad and place and not (place.startswith(CITY) or "阳江" in place or place.startswith(("江城", "阳东",
                                                                                                        "阳西", "阳春"))):
            r.outcome = "outside"
            bad("参保地", f"参保地“{place}”不是本市，不属本平台比对范围")
        word = clean_text(cells.get("护理方式")).replace(" ", "")
        r.setting = SETTING_WORDS.get(word, "")
        if not r.setting:
            bad("护理方式", f"护理方式“{word}”应为居家护理或机构护理" if word else "缺少护理方式（居家护理/机构护理）")
        if cells.get("结算月份") not in (None, ""):
            stated = _settle_month(cells.get("结算月份"))
            if stated is None:
                bad("结算月份", "结算月份无法识别（应如 2026-10）")
            elif stated != month:
                bad("结算月份", f"结算月份 {stated:%Y-%m} 与本清单月份 {month:%Y-%m} 不一致")
        level_word = clean_text(cells.get("失能等级")).replace(" ", "")
        if level_word.endswith(".0"):
            level_word = level_word[:-2]
        if level_word:
            r.level = LEVEL_WORDS.get(level_word)
            if r.level is None:
                bad("失能等级", f"失能等级“{level_word}”应为重度失能Ⅰ级、Ⅱ级或Ⅲ级")
        days = clean_text(cells.get("服务天数"))
        if days:
            try:
                r.days = int(Decimal(days))
                if not 0 <= r.days <= 31:
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                r.days = None
                bad("服务天数", f"服务天数“{days}”应为0–31的整数")
        money = clean_text(cells.get("基金支付金额")).replace(",", "").replace("，", "")
        if money:
            try:
                r.fund_paid = Decimal(money).quantize(Decimal("0.01"))
                if r.fund_paid < 0:
                    raise InvalidOperation
            except InvalidOperation:
                r.fund_paid = None
                bad("基金支付金额", f"基金支付金额“{money}”应为非负金额")
        person = people.get(c.id_hash) if c.id_hash else None
        if r.outcome == "outside":
            pass
        elif r.reason:
            r.outcome = "bad"
        elif person:
            r.outcome, r.person_id, r.division_code = "matched", person[0], person[1]
        elif not c.region.startswith(CITY):
            r.outcome = "outside"
            r.column, r.reason = "身份证号码", f"外市人员（身份证地区码 {c.region}），本市档案中无此人"
        else:
            r.outcome = "not_found"
        rows.append(r)
    try:
        with audit_context(by), transaction.atomic():
            s = LtcSettlement.objects.create(month=month, filename=filename[:200], file_sha256=digest, uploaded_by=by,
                                             rows=len(rows))
            for r in rows:
                r.settlement = s
            LtcSettlementRow.objects.bulk_create(rows, batch_size=1000)
            _mark_already_paid(s)
            counts = dict(s.lines.values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n"))
            s.matched, s.outside, s.not_found, s.bad = (counts.get("matched", 0), counts.get("outside", 0),
                                                        counts.get("not_found", 0), counts.get("bad", 0))
            s.already_paid = s.lines.exclude(already_paid="").count()
            s.save(update_fields=["matched", "outside", "not_found", "bad", "already_paid"])
            audit_bulk(LtcSettlementRow, operation="ltc_settlement_import", count=len(rows),
                       params={"settlement": s.pk, "month": month, "file": filename, "bad": s.bad,
                               "outside": s.outside})
            errors = [{"row": r.row_no, "column": r.column, "reason": r.reason} for r in rows
                      if r.outcome in ("bad", "outside")]
            run_record(exchange="ltc-settlement", event="import", by=by,
                       status=RunStatus.WITH_ERRORS if errors else RunStatus.OK, division_code=CITY, filename=filename,
                       file_sha256=digest, rows_total=len(rows), rows_ok=len(rows) - len(errors),
                       rows_bad=len(errors),
                       changed=f"{month:%Y年%m月}：本市有此人 {s.matched}，其中当月已发护理补贴 {s.already_paid}；确认前不作更改",
                       errors=errors, source_url=reverse("exchanges:ltc_settlement", args=[s.pk]))
    except IntegrityError as exc:
        raise Conflict("该结算清单正由他人同时导入") from exc
    return s


def _mark_already_paid(s: LtcSettlement) -> int:
    """Matched home-care rows of people an approved run of an offset programme already paid for the
    month: they are listed (to recover or deduct), since the subsidy went out before the list came."""
    from django.db.models import Q

    from yanglao.benefits.models import Entitlement

    programmes = list(LtcOffset.objects.filter(valid_from__lte=s.month).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=s.month)).values_list("programme_id", flat=True))
    if not programmes:
        return 0
    paid = Entitlement.objects.filter(programme_id__in=programmes, month=s.month, kind__in=("regular", "back_pay"),
                                      run__status__in=("approved", "paid", "reconciled"),
                                      person_id__in=s.lines.filter(outcome="matched", setting="home")
                                      .values("person_id")).values_list("person_id", "programme__name", "amount")
    by_person: dict[int, str] = {}
    for pid, name, amount in paid:
        by_person[pid] = f"{name} 已发 {amount:,.2f} 元"[:100]
    for pid, text in by_person.items():
        s.lines.filter(person_id=pid, outcome="matched", setting="home").update(already_paid=text)
    return len(by_person)


def ltc_settlement_confirm(*, by: User, settlement: LtcSettlement) -> int:
    """The list takes effect: its home-care people are not paid the offset subsidies for its month
    (the next run leaves them out and says why). Returns how many people that concerns."""
    _require(by, "exchanges.settle", "只有市级管理员可以确认长护险结算清单")
    with audit_context(by), transaction.atomic():
        s = LtcSettlement.objects.select_for_update().get(pk=settlement.pk)
        if s.status == SettlementStatus.CONFIRMED:
            raise Conflict("该结算清单已确认")
        if LtcSettlement.objects.filter(month=s.month, status=SettlementStatus.CONFIRMED).exists():
            raise Conflict(f"{s.month:%Y年%m月}已有确认的结算清单；更正请先由医保部门出具更正清单")
        s.status, s.confirmed_at, s.confirmed_by = SettlementStatus.CONFIRMED, timezone.now(), by
        s.save(update_fields=["status", "confirmed_at", "confirmed_by", "updated_at", "version"])
        home = s.lines.filter(outcome="matched", setting="home").values("person_id").distinct().count()
        audit_bulk(LtcSettlementRow, operation="ltc_settlement_confirm", count=home,
                   params={"settlement": s.pk, "month": s.month})
        run_record(exchange="ltc-settlement", event="confirm", by=by, status=RunStatus.OK, division_code=CITY,
                   filename=s.filename, file_sha256=s.file_sha256, rows_total=s.rows, rows_ok=s.matched,
                   rows_changed=home,
                   changed=f"{s.month:%Y年%m月}长护险居家护理 {home} 人：当月不再发放互斥的护理补贴"
                           + (f"；{s.already_paid} 人已发放，需追回或抵扣" if s.already_paid else ""),
                   source_url=reverse("exchanges:ltc_settlement", args=[s.pk]))
    return home


