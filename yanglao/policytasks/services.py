"""Loading the task table, progress reports, the lead unit's consolidation and the bureau's deadline revision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.models import Division, DivisionLevel, Organisation, OrganisationKind
from yanglao.core.roles import ORGANISATION_ROLES, Role
from yanglao.core.uploads import check_upload

from .models import CITY_CODE, Assignment, Attachment, Consolidation, ProgressReport, Task
from .parser import COUNTIES_UNIT, SOURCE, parse_table

UPLOAD_KIND = "policytasks_attachment"
MAX_FILES = 5
BUREAU = "市民政局"  # the city bureau's own unit: its staff are the city administrators


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    assignments: int = 0
    units: int = 0
    flagged: list[str] | None = None

    def __str__(self) -> str:
        text = (f"政策任务：新增 {self.created} 项，更新 {self.updated} 项，未变 {self.unchanged} 项；"
                f"新增分工 {self.assignments} 条，新建责任单位 {self.units} 个")
        if self.flagged:
            text += "；需人工核对：" + "；".join(self.flagged)
        return text


def county_governments() -> list[tuple[str, str]]:
    """(division code, "江城区人民政府") for every county of the city in the division table."""
    return [(d.code, f"{d.name}人民政府") for d in
            Division.objects.filter(level=DivisionLevel.COUNTY, code__startswith=CITY_CODE).order_by("code")]


def _unit(name: str, division_code: str, result: LoadResult) -> Organisation:
    org = Organisation.objects.filter(name=name, kind=OrganisationKind.GOVERNMENT).first()
    if org is None:
        org = Organisation.objects.create(name=name, kind=OrganisationKind.GOVERNMENT, division_code=division_code)
        result.units += 1
    return org


def load_table(path: Path = SOURCE) -> LoadResult:
    """Create or update the tasks of the table in `path` and their units and assignments. Idempotent: a second
    run changes nothing; progress, reports and revised deadlines are never touched."""
    parsed = parse_table(path.read_text(encoding="utf-8"))
    counties = county_governments()
    result = LoadResult(flagged=[])
    with transaction.atomic():
        for p in parsed:
            lead = _unit(p.lead, CITY_CODE, result) if p.lead and p.lead != COUNTIES_UNIT else None
            if lead is None:
                raise ValidationFailed(f"第 {p.number} 项没有可作为牵头单位的市级部门", details={"number": p.number})
            values = {
                "measure_no": p.measure_no, "measure": p.measure[:100], "measure_cell": p.measure_cell[:100],
                "title": p.title[:300], "requirement": p.requirement, "units_text": p.units_text[:500],
                "deadline_text": p.deadline.text[:100], "due_date": p.deadline.due, "continuing": p.deadline.continuing,
                "parse_notes": "；".join(p.notes)[:300], "source": f"{path.name} 第 {p.line} 行", "lead": lead,
            }
            task = Task.objects.filter(number=p.number).first()
            if task is None:
                task = Task.objects.create(number=p.number, **values)
                result.created += 1
            elif any(getattr(task, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(task, k, v)
                task.save()
                result.updated += 1
            else:
                result.unchanged += 1
            if p.notes:
                result.flagged.append(f"第 {p.number} 项 {'；'.join(p.notes)}")
            wanted: list[tuple[Organisation, str, bool]] = [(lead, CITY_CODE, True)]
            for name in p.co_units:
                if name == COUNTIES_UNIT:
                    wanted += [(_unit(gov, code, result), code, False) for code, gov in counties]
                else:
                    wanted.append((_unit(name, CITY_CODE, result), CITY_CODE, False))
            existing = {a.organisation_id: a for a in task.assignments.all()}
            for org, code, is_lead in wanted:
                a = existing.get(org.pk)
                if a is None:
                    if is_lead:
                        task.assignments.filter(is_lead=True).update(is_lead=False)
                    Assignment.objects.create(task=task, organisation=org, is_lead=is_lead, division_code=code)
                    result.assignments += 1
                elif a.is_lead != is_lead:
                    if is_lead:
                        task.assignments.filter(is_lead=True).exclude(pk=a.pk).update(is_lead=False)
                    a.is_lead = is_lead
                    a.save(update_fields=["is_lead"])
    return result


# --------------------------------------------------------------------------- who may do what


def can_report(user: Any, assignment: Assignment) -> bool:
    """The unit's own accounts; a county's staff for its county government; the city bureau on anyone's behalf."""
    if not user.can("policytasks.report"):
        return False
    if user.role in ORGANISATION_ROLES:
        return user.organisation_id == assignment.organisation_id
    if user.role == Role.CITY_ADMIN:
        return True
    return user.role == Role.COUNTY_STAFF and assignment.division_code == user.scope_prefix


def can_consolidate(user: Any, task: Task) -> bool:
    """The lead unit's accounts, and the city bureau (which leads most tasks itself and supervises the rest)."""
    if not user.can("policytasks.consolidate"):
        return False
    if user.role in ORGANISATION_ROLES:
        return user.organisation_id == task.lead_id
    return user.role == Role.CITY_ADMIN


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


# --------------------------------------------------------------------------- reports

_SIGNATURES = [
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    (b"\xd0\xcf\x11\xe0", "application/msword", (".doc",)),
    (b"\xd0\xcf\x11\xe0", "application/vnd.ms-excel", (".xls",)),
]


def attachment_type(filename: str, content: bytes) -> str:
    """The content type of an accepted attachment, judged by its first bytes and its name (both must agree)."""
    lower = filename.lower()
    for magic, ctype, exts in _SIGNATURES:
        if content.startswith(magic) and lower.endswith(exts):
            return ctype
    raise ValidationFailed(f"“{filename}”不是可接受的附件：请上传 PDF、图片（JPG、PNG）、Word 或 Excel 文件",
                           details={"files": "文件类型不受支持"})


def _check_report(*, period: dt.date, reported_on: dt.date, percent: int, text: str) -> None:
    today = timezone.localdate()
    if reported_on > today:
        raise ValidationFailed("报送日期不能晚于今天", details={"reported_on": "不能晚于今天"})
    if period > month_start(reported_on):
        raise ValidationFailed("报送月份不能晚于报送日期所在月份", details={"period": "不能晚于报送日期所在月份"})
    if not 0 <= percent <= 100:
        raise ValidationFailed("进度应在 0 到 100 之间", details={"percent": "应在 0 到 100 之间"})
    if not text.strip():
        raise ValidationFailed("请填写进展情况", details={"text": "必填"})


def report_add(*, by: Any, assignment: Assignment, period: dt.date, reported_on: dt.date, percent: int, text: str,
               files: list[tuple[str, bytes]] | None = None) -> ProgressReport:
    """A unit's progress on its part of a task, with up to five attachments (each checked by its content)."""
    if not can_report(by, assignment):
        raise Forbidden("只有该责任单位（或市民政局代录）可以报送此项任务的进展")
    period = month_start(period)
    _check_report(period=period, reported_on=reported_on, percent=percent, text=text)
    files = files or []
    if len(files) > MAX_FILES:
        raise ValidationFailed(f"每次最多上传 {MAX_FILES} 个附件", details={"files": f"最多 {MAX_FILES} 个"})
    checked = []
    for name, content in files:
        check_upload(kind=UPLOAD_KIND, filename=name, size=len(content))
        checked.append((name[-120:], attachment_type(name, content), content))
    with transaction.atomic():
        a = Assignment.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=assignment.pk)
        report = ProgressReport.objects.create(
            assignment=a, task_id=a.task_id, organisation_id=a.organisation_id, division_code=a.division_code,
            period=period, reported_on=reported_on, percent=percent, text=text.strip(), reported_by=by,
            on_behalf=by.role == Role.CITY_ADMIN and a.organisation.name != BUREAU,
        )
        for name, ctype, content in checked:
            Attachment.objects.create(report=report, filename=name, content_type=ctype, size=len(content), content=content,
                                      division_code=a.division_code, organisation_id=a.organisation_id)
        if a.last_reported_on is None or reported_on >= a.last_reported_on:
            a.percent = percent
            a.last_reported_on = reported_on
            a.save(update_fields=["percent", "last_reported_on"])
    return report


def consolidate(*, by: Any, task: Task, period: dt.date, reported_on: dt.date, percent: int, completed: bool,
                text: str) -> Consolidation:
    """The lead unit's report on the whole task for a month. `completed` records that the task's dated target is
    met (the task becomes 已完成, or 持续实施 when it continues); one per task and month (a second answers 409)."""
    if not can_consolidate(by, task):
        raise Forbidden("只有牵头单位（或市民政局）可以汇总此项任务")
    period = month_start(period)
    _check_report(period=period, reported_on=reported_on, percent=percent, text=text)
    if completed and percent != 100:
        raise ValidationFailed("已完成的任务进度应为 100%", details={"percent": "已完成时应为 100"})
    try:
        with transaction.atomic():
            t = Task.objects.select_for_update().get(pk=task.pk)
            c = Consolidation.objects.create(task=t, period=period, reported_on=reported_on, percent=percent,
                                             completed=completed, text=text.strip(), reported_by=by,
                                             organisation_id=t.lead_id)
            if t.last_consolidated_on is None or reported_on >= t.last_consolidated_on:
                t.progress = percent
                t.last_consolidated_on = reported_on
            if completed and t.completed_on is None:
                t.completed_on = reported_on
            t.save(update_fields=["progress", "last_consolidated_on", "completed_on"])
    except IntegrityError as exc:
        raise Conflict(f"第 {task.number} 项 {period:%Y年%m月} 已有汇总报告", code="duplicate") from exc
    return c


def revise_deadline(*, by: Any, task: Task, revised_due: dt.date | None, reason: str) -> Task:
    """The bureau sets (or clears) an adjusted deadline, with its reason; the policy's date stays as written."""
    if not by.can("policytasks.manage"):
        raise Forbidden()
    reason = reason.strip()
    if revised_due is not None and not reason:
        raise ValidationFailed("调整时限须写明理由", details={"reason": "必填"})
    with transaction.atomic():
        t = Task.objects.select_for_update().get(pk=task.pk)
        t.revised_due = revised_due
        t.revised_reason = reason if revised_due else ""
        t.save(update_fields=["revised_due", "revised_reason"])
    return t
