"""Supervision services: registers, the verifiable draw, inspections, publication, complaints, credit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from yanglao.core.audit import audit_bulk
from yanglao.core.errors import Conflict as ConflictError
from yanglao.core.errors import ValidationFailed
from yanglao.core.models import Organisation, OrganisationKind
from yanglao.institutions.models import Institution

from . import draw as algorithm
from . import workdays
from .models import (
    Complaint,
    ComplaintStatus,
    Conclusion,
    Conflict,
    CreditEntry,
    CreditKind,
    DrawPlan,
    DrawRecord,
    Finding,
    FireCaseStatus,
    FireSafetyCase,
    Inspection,
    InspectionItem,
    InspectionStatus,
    Inspector,
    PlanStatus,
    Rectification,
    RectificationStatus,
    Target,
    TargetKind,
)

PUBLISH_WITHIN_WORKING_DAYS = 20  # 企业信息公示暂行条例 art. 6/10: within 20 working days of being generated
ALERT_WORKING_DAYS = 5  # the workbench warns this many working days before the deadline
RISK_WINDOW_DAYS = 730
CONFLICT_WINDOW_DAYS = 365
PHOTO_MAX_BYTES = 8 * 1024 * 1024


# ---- registers -------------------------------------------------------------------------------------------

def refresh_targets(*, by: Any) -> dict[str, int]:
    """Bring the register of targets up to date from institutions and providers (a registration number is the
    unified social credit code, or the filing number while an institution has none), then recount risk flags."""
    created = 0
    with transaction.atomic():
        for inst in Institution.objects.all().order_by("pk"):
            reg_no = inst.credit_code or inst.licence_no
            if not reg_no:
                continue
            _, made = Target.objects.update_or_create(
                institution=inst, defaults={"kind": TargetKind.INSTITUTION, "name": inst.name, "reg_no": reg_no,
                                            "division_code": inst.division_code})
            created += made
        for org in Organisation.objects.filter(kind=OrganisationKind.PROVIDER).exclude(credit_code=""):
            _, made = Target.objects.update_or_create(
                reg_no=org.credit_code, defaults={"kind": TargetKind.PROVIDER, "name": org.name, "organisation": org,
                                                  "division_code": org.division_code})
            created += made
        refresh_risk()
        audit_bulk(Target, operation="refresh_register", count=Target.objects.count(), division_code="4417",
                   params={"created": created})
    return {"created": created, "total": Target.objects.count()}


def refresh_risk(today: dt.date | None = None) -> None:
    """Risk flags, set-based: substantiated complaints and violations (penalties, inspections that found
    problems) of the last two years."""
    since = (today or timezone.localdate()) - dt.timedelta(days=RISK_WINDOW_DAYS)
    complaints = (Complaint.objects.filter(target=OuterRef("pk"), substantiated=True, received_on__gte=since)
                  .order_by().values("target").annotate(n=Count("pk")).values("n"))
    penalties = (CreditEntry.objects.filter(target=OuterRef("pk"), kind=CreditKind.PENALTY, decided_on__gte=since)
                 .order_by().values("target").annotate(n=Count("pk")).values("n"))
    found = (Inspection.objects.filter(target=OuterRef("pk"), ended_on__gte=since,
                                       conclusion__in=[Conclusion.RECTIFY, Conclusion.PENALTY])
             .order_by().values("target").annotate(n=Count("pk")).values("n"))
    zero = Value(0, output_field=IntegerField())
    Target.objects.update(
        complaints=Coalesce(Subquery(complaints, output_field=IntegerField()), zero),
        violations=Coalesce(Subquery(penalties, output_field=IntegerField()), zero)
        + Coalesce(Subquery(found, output_field=IntegerField()), zero),
    )


def conflict_add(*, by: Any, inspector: Inspector, target: Target, kind: str, note: str = "") -> Conflict:
    try:
        with transaction.atomic():
            return Conflict.objects.create(inspector=inspector, target=target, kind=kind, note=note)
    except IntegrityError as exc:
        raise ConflictError("该回避情形已登记") from exc


def register_snapshot(*, today: dt.date | None = None, exclude_plan: DrawPlan | None = None,
                      departments: list[str] | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The two registers as published (no personal data): targets by registration number with their weight and
    the items checked in the last 12 months; inspectors by certificate number with department and conflicts
    (declared ones and inspections of the same target in the last 12 months)."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=CONFLICT_WINDOW_DAYS)
    recent = Inspection.objects.filter(Q(started_on__gte=since) | Q(started_on__isnull=True, created_at__date__gte=since))
    if exclude_plan is not None:
        recent = recent.exclude(plan=exclude_plan)
    checked: dict[int, set[str]] = {}
    for target_id, code in recent.values_list("target_id", "item__code"):
        checked.setdefault(target_id, set()).add(code)
    targets = [{"reg_no": t.reg_no, "kind": t.kind, "weight": t.weight, "checked": sorted(checked.get(t.pk, ()))}
               for t in Target.objects.filter(active=True)]
    conflicts: dict[int, set[str]] = {}
    for inspector_id, reg_no in Conflict.objects.values_list("inspector_id", "target__reg_no"):
        conflicts.setdefault(inspector_id, set()).add(reg_no)
    for inspector_id, reg_no in recent.filter(inspectors__isnull=False).values_list("inspectors", "target__reg_no"):
        conflicts.setdefault(inspector_id, set()).add(reg_no)
    qs = Inspector.objects.filter(active=True)
    if departments is not None:
        qs = qs.filter(department__in=departments)
    inspectors = [{"code": i.code, "department": i.department, "conflicts": sorted(conflicts.get(i.pk, ()))} for i in qs]
    return algorithm.normalise_targets(targets), algorithm.normalise_inspectors(inspectors)


# ---- plans and the draw --------------------------------------------------------------------------------

def plan_create(*, by: Any, title: str, period: str, items: list[InspectionItem], ratio_percent: int,
                departments: list[str], min_ratio_percent: int = 5, inspectors_per_target: int = 2) -> DrawPlan:
    if not items:
        raise ValidationFailed("请至少选择一个抽查事项", details={"items": "请至少选择一个抽查事项"})
    if ratio_percent < min_ratio_percent or ratio_percent > 100:
        message = f"抽查比例应在最低比例 {min_ratio_percent}% 至 100% 之间"
        raise ValidationFailed(message, details={"ratio_percent": message})
    departments = sorted({d.strip() for d in departments if d.strip()})
    if not departments:
        raise ValidationFailed("请填写参加检查的部门", details={"departments": "请填写参加检查的部门"})
    if inspectors_per_target < 2:
        raise ValidationFailed("每个检查对象至少安排2名检查人员", details={"inspectors_per_target": "至少2名"})
    with transaction.atomic():
        plan = DrawPlan.objects.create(title=title, period=period, ratio_percent=ratio_percent,
                                       min_ratio_percent=min_ratio_percent, departments=departments,
                                       inspectors_per_target=inspectors_per_target, created_by=by)
        plan.items.set(items)
    return plan


def announce_seed(*, by: Any, plan: DrawPlan, seed: str, source: str) -> DrawPlan:
    """Fix and publish the seed before the draw (e.g. the numbers of a public lottery, or digits read out at the
    public session); it cannot change afterwards."""
    seed = seed.strip()
    if len(seed) < 6:
        raise ValidationFailed("随机种子至少6个字符", details={"seed": "随机种子至少6个字符"})
    with transaction.atomic():
        plan = DrawPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.DRAFT:
            raise ConflictError("随机种子已公布，不能更改")
        plan.seed, plan.seed_source, plan.seed_announced_at = seed, source.strip(), timezone.now()
        plan.status = PlanStatus.SEEDED
        plan.save()
    return plan


def plan_params(plan: DrawPlan) -> dict[str, Any]:
    return {
        "ratio_percent": plan.ratio_percent, "min_ratio_percent": plan.min_ratio_percent,
        "inspectors_per_target": plan.inspectors_per_target, "departments": sorted(plan.departments),
        "items": [{"code": i.code, "kind": i.kind, "max_ratio_percent": i.max_ratio_percent,
                   "target_kinds": sorted(i.target_kinds)} for i in plan.items.order_by("code")],
    }


def perform_draw(*, by: Any, plan: DrawPlan, today: dt.date | None = None) -> DrawRecord:
    """The draw: snapshot both registers, run algorithm v1 with the announced seed, store the record and create
    the inspections with their inspectors. Runs once per plan (row lock + one record per plan)."""
    with transaction.atomic():
        plan = DrawPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status == PlanStatus.DRAFT:
            raise ConflictError("请先公布随机种子，再进行抽取")
        if plan.status != PlanStatus.SEEDED or DrawRecord.objects.filter(plan=plan).exists():
            raise ConflictError("该计划已抽取，不能重复抽取")
        targets, inspectors = register_snapshot(today=today, exclude_plan=plan, departments=plan.departments)
        params = plan_params(plan)
        try:
            document = algorithm.record_document(
                seed=plan.seed, params=params, targets=targets, inspectors=inspectors,
                extra={"plan": {"title": plan.title, "period": plan.period, "seed_source": plan.seed_source,
                                "seed_announced_at": plan.seed_announced_at.isoformat()}})
        except algorithm.DrawError as exc:
            raise ValidationFailed(str(exc)) from exc
        now = timezone.now()
        document["plan"]["drawn_at"] = now.isoformat()
        record = DrawRecord.objects.create(plan=plan, algorithm=document["algorithm"], document=document,
                                           targets_hash=document["targets_hash"],
                                           inspectors_hash=document["inspectors_hash"],
                                           result_hash=document["result_hash"], drawn_at=now)
        items = {i.code: i for i in plan.items.all()}
        target_by_reg = {t.reg_no: t for t in Target.objects.filter(reg_no__in=[r["target"] for r in document["result"]])}
        inspector_by_code = {i.code: i for i in Inspector.objects.filter(code__in=[c for r in document["result"]
                                                                                 for c in r["inspectors"]])}
        for row in document["result"]:
            target = target_by_reg[row["target"]]
            inspection = Inspection.objects.create(plan=plan, item=items[row["item"]], target=target,
                                                   division_code=target.division_code)
            inspection.inspectors.set([inspector_by_code[c] for c in row["inspectors"]])
        plan.status = PlanStatus.DRAWN
        plan.save()
        audit_bulk(Inspection, operation="draw", count=len(document["result"]), division_code=plan.division_code,
                   params={"plan": plan.pk, "result_hash": record.result_hash, "algorithm": record.algorithm})
    return record


def publish_draw(*, by: Any, plan: DrawPlan) -> DrawRecord:
    with transaction.atomic():
        plan = DrawPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.DRAWN:
            raise ConflictError("只有已抽取、未公布的计划可以公布")
        record = plan.record
        record.published_at = timezone.now()
        record.save()
        plan.status = PlanStatus.PUBLISHED
        plan.save()
    return record


def published_document(record: DrawRecord) -> dict[str, Any]:
    """The record as published: the stored document (registers carry no personal data by construction)."""
    return dict(record.document)


# ---- inspections -----------------------------------------------------------------------------------------

def _locked(inspection: Inspection) -> Inspection:
    return Inspection.objects.select_for_update().get(pk=inspection.pk)


def inspection_start(*, by: Any, inspection: Inspection, started_on: dt.date) -> Inspection:
    with transaction.atomic():
        inspection = _locked(inspection)
        if inspection.status != InspectionStatus.PLANNED:
            raise ConflictError("该检查已开始")
        if started_on > timezone.localdate():
            raise ValidationFailed("开始日期不能晚于今天", details={"started_on": "开始日期不能晚于今天"})
        inspection.status, inspection.started_on = InspectionStatus.IN_PROGRESS, started_on
        inspection.save()
    return inspection


def checklist_save(*, by: Any, inspection: Inspection, answers: dict[str, str]) -> Inspection:
    with transaction.atomic():
        inspection = _locked(inspection)
        if inspection.status != InspectionStatus.IN_PROGRESS:
            raise ConflictError("只有检查中的记录可以填写检查要点")
        points = set(inspection.item.checklist)
        inspection.checklist = {k: v for k, v in answers.items() if k in points and v in ("yes", "no", "na")}
        inspection.save()
    return inspection


def _check_photo(photo: Any) -> None:
    if photo is None:
        return
    if photo.size > PHOTO_MAX_BYTES:
        raise ValidationFailed("照片不能超过 8 MB", details={"photo": "照片不能超过 8 MB"})
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(photo) as image:
            if image.format not in ("JPEG", "PNG"):
                raise ValidationFailed("照片应为 JPEG 或 PNG 格式", details={"photo": "照片应为 JPEG 或 PNG 格式"})
            image.verify()
    except (UnidentifiedImageError, OSError) as exc:
        raise ValidationFailed("无法识别的图片文件", details={"photo": "无法识别的图片文件"}) from exc
    photo.seek(0)


def finding_add(*, by: Any, inspection: Inspection, description: str, photo: Any = None) -> Finding:
    _check_photo(photo)
    with transaction.atomic():
        inspection = _locked(inspection)
        if inspection.status != InspectionStatus.IN_PROGRESS:
            raise ConflictError("只有检查中的记录可以登记发现的问题")
        finding = Finding(inspection=inspection, description=description, division_code=inspection.division_code)
        if photo is not None:
            finding.photo.save(f"{inspection.pk}-{timezone.now():%Y%m%d%H%M%S}.{'png' if photo.name.lower().endswith('.png') else 'jpg'}",
                               photo, save=False)
        finding.save()
    return finding


def rectification_order(*, by: Any, inspection: Inspection, requirement: str, deadline: dt.date) -> Rectification:
    with transaction.atomic():
        inspection = _locked(inspection)
        if inspection.status not in (InspectionStatus.IN_PROGRESS, InspectionStatus.RECTIFYING):
            raise ConflictError("该检查已办结，不能再下达整改通知")
        if deadline <= timezone.localdate():
            raise ValidationFailed("整改期限应晚于今天", details={"deadline": "整改期限应晚于今天"})
        return Rectification.objects.create(inspection=inspection, requirement=requirement, deadline=deadline,
                                            division_code=inspection.division_code)


def inspection_finish(*, by: Any, inspection: Inspection, ended_on: dt.date, conclusion: str) -> Inspection:
    """The on-site inspection ends: the result is recorded, the publication deadline (20 working days on the
    calendar) set; with open rectification orders it waits for them, otherwise it is closed."""
    with transaction.atomic():
        inspection = _locked(inspection)
        if inspection.status != InspectionStatus.IN_PROGRESS:
            raise ConflictError("只有检查中的记录可以结束检查")
        if conclusion not in Conclusion.values or not conclusion:
            raise ValidationFailed("请选择检查结果", details={"conclusion": "请选择检查结果"})
        if ended_on > timezone.localdate() or (inspection.started_on and ended_on < inspection.started_on):
            message = "结束日期应在开始日期与今天之间"
            raise ValidationFailed(message, details={"ended_on": message})
        missing = [p for p in inspection.item.checklist if p not in inspection.checklist]
        if missing and conclusion != Conclusion.NOT_FOUND:
            raise ValidationFailed(f"还有 {len(missing)} 项检查要点未填写：{missing[0]}")
        if conclusion == Conclusion.RECTIFY and not inspection.rectifications.exists():
            raise ValidationFailed("结果为责令整改时，请先下达整改通知")
        inspection.ended_on, inspection.conclusion = ended_on, conclusion
        inspection.publish_due = workdays.add_working_days(ended_on, PUBLISH_WITHIN_WORKING_DAYS)
        open_orders = inspection.rectifications.filter(status=RectificationStatus.OPEN).exists()
        inspection.status = InspectionStatus.RECTIFYING if open_orders else InspectionStatus.CLOSED
        inspection.save()
    return inspection


def rectification_follow_up(*, by: Any, rectification: Rectification, note: str, done: bool,
                            on: dt.date | None = None) -> Rectification:
    with transaction.atomic():
        r = Rectification.objects.select_for_update().get(pk=rectification.pk)
        if r.status == RectificationStatus.DONE:
            raise ConflictError("该整改已完成复查")
        r.follow_up = (r.follow_up + "\n" if r.follow_up else "") + note
        r.followed_up_on = on or timezone.localdate()
        if done:
            r.status = RectificationStatus.DONE
        r.save()
        inspection = _locked(r.inspection)
        if (inspection.status == InspectionStatus.RECTIFYING
                and not inspection.rectifications.filter(status=RectificationStatus.OPEN).exists()):
            inspection.status = InspectionStatus.CLOSED
            inspection.save()
    return r


def publish_result(*, by: Any, inspection: Inspection) -> Inspection:
    """Publish the result on the public side and record it on the target's credit record."""
    with transaction.atomic():
        inspection = _locked(inspection)
        if inspection.ended_on is None:
            raise ConflictError("检查尚未结束，不能公示结果")
        if inspection.published_at is not None:
            raise ConflictError("该检查结果已公示")
        inspection.published_at = timezone.now()
        inspection.save()
        CreditEntry.objects.create(
            target=inspection.target, kind=CreditKind.INSPECTION, inspection=inspection,
            title=f"{inspection.item.name}：{inspection.get_conclusion_display()}",
            authority=inspection.item.department, decided_on=inspection.ended_on,
            division_code=inspection.division_code)
    return inspection


def annual_missing(*, user: Any, year: int | None = None) -> Any:
    """Institutions in the user's area without an on-site inspection started this year (养老机构管理办法 art. 38)."""
    from yanglao.core.scope import restrict

    year = year or timezone.localdate().year
    inspected = Inspection.objects.filter(on_site=True, started_on__year=year, target__institution__isnull=False)
    return restrict(Institution.objects.all(), user).exclude(
        pk__in=inspected.values("target__institution_id")).order_by("division_code", "name")


# ---- fire safety, complaints, credit -------------------------------------------------------------------

def fire_case_create(*, by: Any, institution: Institution, missing_paperwork: str, handling: str,
                     deadline: dt.date | None, meets_requirements: bool = True) -> FireSafetyCase:
    return FireSafetyCase.objects.create(institution=institution, missing_paperwork=missing_paperwork,
                                         handling=handling, deadline=deadline, meets_requirements=meets_requirements,
                                         division_code=institution.division_code)


def fire_case_resolve(*, by: Any, case: FireSafetyCase, on: dt.date) -> FireSafetyCase:
    with transaction.atomic():
        case = FireSafetyCase.objects.select_for_update().get(pk=case.pk)
        if case.status == FireCaseStatus.RESOLVED:
            raise ConflictError("已办结")
        case.status, case.resolved_on = FireCaseStatus.RESOLVED, on
        case.save()
    return case


def complaint_create(*, by: Any, category: str, received_on: dt.date, channel: str, summary: str,
                     target: Target | None, subject_name: str, division_code: str) -> Complaint:
    if received_on > timezone.localdate():
        raise ValidationFailed("受理日期不能晚于今天", details={"received_on": "受理日期不能晚于今天"})
    with transaction.atomic():
        prefix = f"TS{received_on:%Y}"
        last = (Complaint.objects.select_for_update().filter(number__startswith=prefix).order_by("-number")
                .values_list("number", flat=True).first())
        number = f"{prefix}{(int(last[len(prefix):]) if last else 0) + 1:05d}"
        return Complaint.objects.create(number=number, category=category, received_on=received_on, channel=channel,
                                        summary=summary, target=target, subject_name=subject_name or (target.name if target else ""),
                                        division_code=target.division_code if target else division_code)


def complaint_refer(*, by: Any, complaint: Complaint, department: str, on: dt.date) -> Complaint:
    with transaction.atomic():
        c = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if c.status == ComplaintStatus.CLOSED:
            raise ConflictError("该投诉已办结")
        if on < c.received_on:
            raise ValidationFailed("移交日期不能早于受理日期", details={"on": "移交日期不能早于受理日期"})
        c.referred_to, c.referred_on, c.status = department, on, ComplaintStatus.REFERRED
        c.save()
    return c


def complaint_close(*, by: Any, complaint: Complaint, outcome: str, substantiated: bool, on: dt.date) -> Complaint:
    with transaction.atomic():
        c = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if c.status == ComplaintStatus.CLOSED:
            raise ConflictError("该投诉已办结")
        c.outcome, c.substantiated, c.closed_on, c.status = outcome, substantiated, on, ComplaintStatus.CLOSED
        c.save()
        refresh_risk()
    return c


def credit_add(*, by: Any, target: Target, kind: str, title: str, authority: str, decided_on: dt.date,
               document_no: str = "", valid_until: dt.date | None = None, public: bool = True) -> CreditEntry:
    if kind not in CreditKind.values:
        raise ValidationFailed("信用记录类别不正确", details={"kind": "信用记录类别不正确"})
    entry = CreditEntry.objects.create(target=target, kind=kind, title=title, authority=authority,
                                       decided_on=decided_on, document_no=document_no, valid_until=valid_until,
                                       public=public, division_code=target.division_code)
    refresh_risk()
    return entry
