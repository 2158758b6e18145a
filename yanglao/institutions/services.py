"""Writes for institutions: registration, beds, star ratings, medical cooperation, subsidies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from yanglao.core import validators
from yanglao.core.audit import audit_bulk, audit_context
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.models import Division, DivisionLevel, User
from yanglao.core.roles import ORGANISATION_ROLES, Role
from yanglao.core.scope import division_in_scope, restrict

from .choices import BedStatus, BedType
from .models import (
    Bed,
    ChangeRequestStatus,
    ConstructionSubsidy,
    Institution,
    InstitutionChangeRequest,
    MedicalAgreement,
    OperatingClaim,
    OperatingLine,
    OperatingRate,
    OperatingRun,
    Outlet,
    Residency,
    StarRating,
    SubsidyStatus,
)
from .stars import StarSheetError, star_level

INSTITUTION_FIELDS = {
    "name", "ownership", "credit_code", "licence_kind", "licence_no", "licence_date", "licence_valid_until",
    "division_code", "address", "latitude", "longitude", "capacity", "has_medical_unit",
    "medical_insurance_designated", "is_tekun_home", "mainly_disabled_tekun", "fire_safety", "fire_safety_date",
    "accepts_public_admission", "phone",
}


def can_manage(user: User, institution: Institution) -> bool:
    """County/city staff of the institution's area, or the operator's own accounts."""
    if user.role == Role.INSTITUTION_OPERATOR:
        return institution.operator_id is not None and institution.operator_id == user.organisation_id
    return user.can("institutions.change") and division_in_scope(user, institution.division_code)


def _require_manage(user: User, institution: Institution) -> None:
    if not can_manage(user, institution):
        raise Forbidden("您不能维护该机构的信息")


def _check_division(code: str, user: User) -> None:
    if not Division.objects.filter(code=code, level__in=[DivisionLevel.TOWNSHIP, DivisionLevel.COMMUNITY]).exists():
        raise ValidationFailed("区划代码有误", details={"division_code": f"区划代码 {code} 不存在（应为乡镇或村（社区）代码）"})
    if user.role != Role.INSTITUTION_OPERATOR and not division_in_scope(user, code):
        raise ValidationFailed("区划不在管辖范围内", details={"division_code": f"区划代码 {code} 不在您的管辖范围内"})


def institution_create(*, by: User, data: dict[str, Any], operator: Any = None) -> Institution:
    if not by.can("institutions.change"):
        raise Forbidden()
    unknown = set(data) - INSTITUTION_FIELDS
    if unknown:
        raise ValidationFailed("包含未知字段", details={k: "未知字段" for k in unknown})
    _check_division(str(data.get("division_code", "")), by)
    data = _checked(data)
    institution = Institution(operator=operator, **data)
    _check_public_admission(institution)
    with audit_context(by):
        institution.save()
    return institution


INSTITUTION_RULES = {
    "latitude": validators.validate_latitude, "longitude": validators.validate_longitude,
    "credit_code": validators.validate_uscc, "phone": validators.validate_phone,
    "licence_date": validators.not_future("备案/许可日期"),
}


def _checked(data: dict[str, Any]) -> dict[str, Any]:
    """Coordinates in China, a valid credit code and phone, a licence not issued in the future (core.validators)."""
    return validators.check_fields(data, INSTITUTION_RULES, message="机构信息有误")


def _check_public_admission(institution: Institution) -> None:
    if institution.accepts_public_admission and not institution.is_public:
        raise ValidationFailed("只有公办或公建民营机构可纳入评估轮候",
                               details={"accepts_public_admission": "只有公办或公建民营机构可纳入评估轮候"})


def institution_update(*, by: User, institution: Institution, data: dict[str, Any]) -> Institution:
    _require_manage(by, institution)
    unknown = set(data) - INSTITUTION_FIELDS
    if unknown:
        raise ValidationFailed("包含未知字段", details={k: "未知字段" for k in unknown})
    if by.role in ORGANISATION_ROLES:
        _refuse_regulated_edit(data)
    if "division_code" in data:
        _check_division(str(data["division_code"]), by)
    data = _checked(data)
    with audit_context(by), transaction.atomic():
        inst = Institution.objects.select_for_update().get(pk=institution.pk)
        for key, value in data.items():
            setattr(inst, key, value)
        _check_public_admission(inst)
        inst.save()
        if "division_code" in data:
            for model in (Bed, StarRating, MedicalAgreement):
                model.objects.filter(institution=inst).update(division_code=inst.division_code)
    return inst


def _refuse_regulated_edit(data: dict[str, Any]) -> None:
    """The field-level rule for the regulated: regulator fields never, declared facts only by a change request."""
    regulator = Institution.REGULATOR_FIELDS & set(data)
    if regulator:
        raise Forbidden("资质、消防、医保定点、特困供养等由民政部门认定和维护，机构不能修改",
                        code="regulator_field", details={k: "由民政部门认定和维护" for k in sorted(regulator)})
    if data:
        raise Forbidden("机构申报信息的变更须提交变更申请，由县（市、区）民政部门审核后生效",
                        code="change_request_required", details={k: "请提交变更申请" for k in sorted(data)})


def _plain_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def change_request_create(*, by: User, institution: Institution, data: dict[str, Any],
                          reason: str = "") -> InstitutionChangeRequest:
    """An operator proposes new values for facts its institution declares; nothing changes until approved."""
    _require_manage(by, institution)
    unknown = set(data) - INSTITUTION_FIELDS
    if unknown:
        raise ValidationFailed("包含未知字段", details={k: "未知字段" for k in unknown})
    regulator = Institution.REGULATOR_FIELDS & set(data)
    if regulator:
        raise Forbidden("资质、消防、医保定点、特困供养等由民政部门认定和维护，机构不能申请修改",
                        code="regulator_field", details={k: "由民政部门认定和维护" for k in sorted(regulator)})
    data = _checked(data)
    institution = Institution.objects.get(pk=institution.pk)  # compare with what is stored, not a form's copy
    changed = {k: v for k, v in data.items() if getattr(institution, k) != v}
    if not changed:
        raise ValidationFailed("没有需要变更的内容")
    errors: dict[str, str] = {}
    for key, value in changed.items():
        try:
            Institution._meta.get_field(key).clean(value, institution)
        except DjangoValidationError as exc:
            errors[key] = "；".join(exc.messages)
    if errors:
        raise ValidationFailed("申请变更的内容有误", details=errors)
    with audit_context(by):
        return InstitutionChangeRequest.objects.create(
            institution=institution, proposed={k: _plain_value(v) for k, v in changed.items()},
            previous={k: _plain_value(getattr(institution, k)) for k in changed}, reason=reason.strip()[:200],
            requested_by=by, division_code=institution.division_code)


def change_request_decide(*, by: User, request: InstitutionChangeRequest, approve: bool,
                          note: str = "") -> InstitutionChangeRequest:
    """County staff (not the requester) approve, which applies the proposed values, or reject."""
    if not by.can("institutions.change") or not division_in_scope(by, request.division_code):
        raise Forbidden("只有机构所在县（市、区）的民政工作人员可以审核变更申请")
    with audit_context(by), transaction.atomic():
        locked = InstitutionChangeRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != ChangeRequestStatus.PENDING:
            raise Conflict(f"该申请已{locked.get_status_display()}，不能重复审核")
        if locked.requested_by_id == by.pk:
            raise Forbidden("申请人不能审核自己提交的变更申请")
        if approve:
            inst = Institution.objects.select_for_update().get(pk=locked.institution_id)
            errors: dict[str, str] = {}
            for key, value in locked.proposed.items():
                if key not in Institution.DECLARED_FIELDS:
                    errors[key] = "该字段不能通过变更申请修改"
                    continue
                try:
                    setattr(inst, key, Institution._meta.get_field(key).clean(value, inst))
                except DjangoValidationError as exc:
                    errors[key] = "；".join(exc.messages)
            if errors:
                raise ValidationFailed("申请变更的内容有误", details=errors)
            inst.save()
        locked.status = ChangeRequestStatus.APPROVED if approve else ChangeRequestStatus.REJECTED
        locked.decided_by, locked.decided_at, locked.decision_note = by, timezone.now(), note.strip()[:200]
        locked.save()
    return locked


def change_requests_for(user: User) -> Any:
    """Change requests the user may see: its county's (staff), its own institution's (operator)."""
    return restrict(InstitutionChangeRequest.objects.select_related("institution", "requested_by", "decided_by"), user)


def beds_add(*, by: User, institution: Institution, building: str, floor: str, rooms: list[str],
             beds_per_room: int, bed_type: str) -> list[Bed]:
    """Add the beds of some rooms (e.g. 1号楼 2层 201–210, 2 beds each)."""
    _require_manage(by, institution)
    if bed_type not in BedType.values:
        raise ValidationFailed("床位类型有误", details={"bed_type": "应为 nursing（护理型）或 ordinary（普通型）"})
    if not rooms or beds_per_room < 1 or beds_per_room > 12:
        raise ValidationFailed("请填写房间和每间床位数（1–12）")
    limit = settings.BULK_MAX_BEDS
    if len(rooms) * beds_per_room > limit:
        raise ValidationFailed(f"一次最多添加 {limit} 张床位（本次 {len(rooms)} 间 × {beds_per_room} 张），请分批添加",
                               code="bulk_limit", details={"rooms": f"一次最多添加 {limit} 张床位"})
    beds = [
        Bed(institution=institution, building=building, floor=floor, room=room, number=str(n), bed_type=bed_type,
            division_code=institution.division_code)
        for room in rooms for n in range(1, beds_per_room + 1)
    ]
    for bed in beds:  # bulk_create skips save(): the same text checks as every other write
        bed.check_text()
    with audit_context(by), transaction.atomic():
        try:
            created = Bed.objects.bulk_create(beds)
        except IntegrityError as exc:
            raise Conflict("部分床位已存在（同一楼栋、楼层、房间、床号）") from exc
        audit_bulk(Bed, operation="beds_add", count=len(created), division_code=institution.division_code,
                   params={"institution": institution.pk, "building": building, "floor": floor, "rooms": rooms,
                           "beds_per_room": beds_per_room, "bed_type": bed_type})
    return created


def bed_set_status(*, by: User, bed: Bed, status: str) -> Bed:
    """Take a bed out of service or back; occupied and reserved beds change only through admission."""
    _require_manage(by, bed.institution)
    if status not in (BedStatus.VACANT, BedStatus.OUT_OF_SERVICE):
        raise ValidationFailed("只能设为空闲或停用；入住和预留由轮候流程处理")
    with audit_context(by), transaction.atomic():
        locked = Bed.objects.select_for_update().get(pk=bed.pk)
        if locked.status in (BedStatus.OCCUPIED, BedStatus.RESERVED):
            raise Conflict(f"床位{locked}当前为“{locked.get_status_display()}”，不能直接修改")
        locked.status = status
        locked.save()
    return locked


def star_rate(*, by: User, institution: Institution, scores: dict[str, int], rated_on: dt.date,
              valid_years: int = 3, document_no: str = "") -> StarRating:
    if not by.can("institutions.rate") or not division_in_scope(by, institution.division_code):
        raise Forbidden("只有民政部门可以评定星级")
    validators.check_fields({"rated_on": rated_on}, {"rated_on": validators.not_future("评定日期")}, message="评分表有误")
    try:
        result = star_level(scores)
    except StarSheetError as exc:
        raise ValidationFailed("评分表有误", details=exc.errors) from exc
    with audit_context(by):
        return StarRating.objects.create(
            institution=institution, rated_on=rated_on,
            valid_until=rated_on.replace(year=rated_on.year + valid_years) - dt.timedelta(days=1),
            total=result.total, level=result.level, document_no=document_no,
            division_code=institution.division_code, **scores,
        )


def agreement_add(*, by: User, institution: Institution, hospital: str, kind: str, valid_from: dt.date,
                  valid_to: dt.date | None, hospital_kind: str = "") -> MedicalAgreement:
    _require_manage(by, institution)
    if valid_to and valid_to < valid_from:
        raise ValidationFailed("终止日期不能早于起始日期", details={"valid_to": "终止日期不能早于起始日期"})
    with audit_context(by):
        return MedicalAgreement.objects.create(institution=institution, hospital=hospital, kind=kind,
                                               hospital_kind=hospital_kind, valid_from=valid_from, valid_to=valid_to,
                                               division_code=institution.division_code)


def outlet_add(*, by: User, institution: Institution, kind: str, name: str, division_code: str, address: str = "") -> Outlet:
    _require_manage(by, institution)
    if not Division.objects.filter(code=division_code).exists():
        raise ValidationFailed("区划代码有误", details={"division_code": f"区划代码 {division_code} 不存在"})
    with audit_context(by):
        return Outlet.objects.create(institution=institution, kind=kind, name=name, division_code=division_code,
                                     address=address)


def resident_discharge(*, by: User, residency: Residency, on: dt.date, reason: str) -> Residency:
    _require_manage(by, residency.institution)
    with audit_context(by), transaction.atomic():
        locked = Residency.objects.select_for_update().get(pk=residency.pk)
        validators.check_fields({"on": on}, {"on": validators.not_future("离院日期")}, message="离院信息有误")
        if locked.discharged_on is not None:
            raise Conflict("该入住记录已办理离院")
        if on < locked.admitted_on:
            raise ValidationFailed("离院日期不能早于入住日期")
        locked.discharged_on = on
        locked.discharge_reason = reason
        locked.save()
        if locked.bed_id:
            bed = Bed.objects.select_for_update().get(pk=locked.bed_id)
            bed.status = BedStatus.VACANT
            bed.save()
    return locked


# --- subsidies ------------------------------------------------------------------------------
def rate_on(day: dt.date) -> OperatingRate:
    rate = OperatingRate.objects.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)).first()
    if rate is None:
        raise NotFound(f"{day:%Y年%m月}没有有效的机构补贴标准，请先配置")
    return rate


def construction_apply(*, by: User, institution: Institution, beds_added: int, nursing_beds_added: int) -> ConstructionSubsidy:
    _require_manage(by, institution)
    if beds_added < 1 or nursing_beds_added < 0 or nursing_beds_added > beds_added:
        raise ValidationFailed("新增床位数有误", details={"beds_added": "新增床位数应大于0，护理型床位不超过新增床位数"})
    rate = rate_on(timezone.localdate())
    per_bed = rate.construction_per_bed
    amount = rate.construction_per_bed * (beds_added - nursing_beds_added) + rate.construction_per_nursing_bed * nursing_beds_added
    with audit_context(by):
        return ConstructionSubsidy.objects.create(
            institution=institution, beds_added=beds_added, nursing_beds_added=nursing_beds_added,
            amount_per_bed=per_bed, amount=amount, applied_by=by, division_code=institution.division_code,
        )


def construction_advance(*, by: User, subsidy: ConstructionSubsidy, action: str, notes: str = "",
                         voucher_no: str = "") -> ConstructionSubsidy:
    """applied → checked (staff) → approved (a different person from the applicant) → paid."""
    if not by.can("institutions.subsidy_approve") or not division_in_scope(by, subsidy.division_code):
        raise Forbidden()
    transitions = {"check": (SubsidyStatus.APPLIED, SubsidyStatus.CHECKED),
                   "approve": (SubsidyStatus.CHECKED, SubsidyStatus.APPROVED),
                   "pay": (SubsidyStatus.APPROVED, SubsidyStatus.PAID),
                   "reject": (None, SubsidyStatus.REJECTED)}
    if action not in transitions:
        raise ValidationFailed("未知操作")
    with audit_context(by), transaction.atomic():
        locked = ConstructionSubsidy.objects.select_for_update().get(pk=subsidy.pk)
        before, after = transitions[action]
        if (before and locked.status != before) or locked.status in (SubsidyStatus.PAID, SubsidyStatus.REJECTED):
            raise Conflict(f"当前状态为“{locked.get_status_display()}”，不能执行该操作")
        if action in ("check", "approve") and by.pk == locked.applied_by_id:
            raise Forbidden("申请人不能核查或审批自己的申请")
        if action == "approve" and by.pk == locked.checked_by_id:
            raise Forbidden("核查人和审批人须为不同人员")
        if action == "check":
            locked.checked_by, locked.check_notes = by, notes
        elif action == "approve":
            locked.approved_by = by
        elif action == "pay":
            if not voucher_no:
                raise ValidationFailed("请填写拨付凭证号", details={"voucher_no": "必填"})
            locked.paid_on, locked.voucher_no = timezone.localdate(), voucher_no
        else:
            locked.check_notes = notes
        locked.status = after
        locked.save()
    return locked


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def operating_amount(rate: OperatingRate, *, care_level: int, star: int, medical: bool) -> Decimal:
    base = Decimal(str(rate.base_by_level.get(str(care_level), "0")))
    percent = Decimal(str(rate.star_percent.get(str(star), 0)))
    amount = base * (Decimal(100) + percent) / Decimal(100)
    if medical:
        amount += rate.medical_supplement
    return amount.quantize(Decimal("0.01"))


def operating_compute(*, by: User, month: dt.date, division_code: str | None = None) -> OperatingRun:
    """Compute (or recompute, while unapproved) the operating subsidy of a month for an area: one line per
    resident who lived in an institution of the area on the month's last day, from their care level, the
    institution's star level on that day and its medical capability. The same rules for every ownership."""
    if not by.can("institutions.subsidy_prepare"):
        raise Forbidden()
    month = month_start(month)
    area = division_code or by.scope_prefix or ""
    if not division_in_scope(by, area):
        raise Forbidden()
    last = month_end(month)
    rate = rate_on(last)
    _refuse_overlap(month=month, area=area)
    from yanglao.assessments.selectors import care_levels_for

    residencies = list(
        Residency.objects.filter(division_code__startswith=area, admitted_on__lte=last)
        .filter(Q(discharged_on__isnull=True) | Q(discharged_on__gte=last))
        .select_related("institution")
    )
    levels = care_levels_for([r.person_id for r in residencies], on=last)
    stars = _stars_on([r.institution_id for r in residencies], last)
    with audit_context(by), transaction.atomic():
        run, created = OperatingRun.objects.select_for_update().get_or_create(
            month=month, division_code=area, defaults={"prepared_by": by, "rate": rate})
        if run.status == "approved":
            raise Conflict(f"{month:%Y年%m月}的运营补贴已审批，不能重新核算；更正请另行处理")
        run.lines.all().delete()
        lines = []
        for r in residencies:
            level = levels.get(r.person_id)
            if level is None:
                continue  # no valid assessment: no subsidy (listed in the run's exceptions)
            inst = r.institution
            medical = inst.has_medical_unit or inst.medical_insurance_designated
            star = stars.get(r.institution_id, 0)
            lines.append(OperatingLine(run=run, institution=inst, person_id=r.person_id, care_level=level.level,
                                       star_level=star, medical=medical, division_code=inst.division_code,
                                       amount=operating_amount(rate, care_level=level.level, star=star, medical=medical)))
        OperatingLine.objects.bulk_create(lines, batch_size=2000)
        run.prepared_by, run.rate = by, rate
        run.residents = len(lines)
        run.total = sum((line.amount for line in lines), Decimal("0"))
        run.save()
        audit_bulk(OperatingLine, operation="operating_compute", count=len(lines), division_code=area,
                   params={"month": month.isoformat(), "run": run.pk, "total": str(run.total)})
    return run


def _overlapping_runs(*, month: dt.date, area: str, exclude: int | None = None) -> Any:
    """Other runs of `month` whose area contains `area` or lies inside it (areas nest by code prefix)."""
    candidates = [area[:n] for n in range(1, len(area) + 1)]
    runs = OperatingRun.objects.filter(month=month).filter(Q(division_code__in=candidates) |
                                                          Q(division_code__startswith=area))
    runs = runs.exclude(division_code=area)  # the same area is the same run, recomputed
    return runs if exclude is None else runs.exclude(pk=exclude)


def _run_label(run: OperatingRun) -> str:
    name = Division.objects.filter(code=run.division_code).values_list("name", flat=True).first() or run.division_code
    return f"{run.month:%Y年%m月} {name} 运营补贴（编号 {run.pk}）"


def _refuse_overlap(*, month: dt.date, area: str, exclude: int | None = None) -> None:
    other = _overlapping_runs(month=month, area=area, exclude=exclude).order_by("pk").first()
    if other is not None:
        raise Conflict(f"{_run_label(other)}已覆盖本月，不能重复计算", code="operating_run_overlaps",
                       details={"month": f"{_run_label(other)}已覆盖本月"})


def _stars_on(institution_ids: list[int], day: dt.date) -> dict[int, int]:
    out: dict[int, int] = {}
    for r in StarRating.objects.filter(institution_id__in=set(institution_ids), rated_on__lte=day,
                                       valid_until__gte=day).order_by("institution_id", "rated_on"):
        out[r.institution_id] = r.level
    return out


def operating_approve(*, by: User, run: OperatingRun) -> OperatingRun:
    if not by.can("institutions.subsidy_approve") or not division_in_scope(by, run.division_code):
        raise Forbidden()
    with audit_context(by), transaction.atomic():
        locked = OperatingRun.objects.select_for_update().get(pk=run.pk)
        if locked.status == "approved":
            raise Conflict("该月运营补贴已审批")
        if locked.prepared_by_id == by.pk:
            raise Forbidden("核算人不能审批自己核算的运营补贴（须由另一人审批）")
        other = _overlapping_runs(month=locked.month, area=locked.division_code, exclude=locked.pk).filter(
            status="approved").order_by("pk").first()
        if other is not None:
            raise Conflict(f"{_run_label(other)}已覆盖本月，不能重复审批", code="operating_run_overlaps")
        locked.status, locked.approved_by, locked.approved_at = "approved", by, timezone.now()
        locked.save()
        _claim_lines(locked)
    return locked


def operating_discard(*, by: User, run: OperatingRun) -> None:
    """Discard an unapproved run (作废), e.g. a county's preview the city will compute instead."""
    if not by.can("institutions.subsidy_prepare") or not division_in_scope(by, run.division_code):
        raise Forbidden()
    with audit_context(by), transaction.atomic():
        locked = OperatingRun.objects.select_for_update().get(pk=run.pk)
        if locked.status == "approved":
            raise Conflict("已审批的运营补贴不能作废；更正请另行处理")
        count = locked.lines.count()
        locked.lines.all().delete()
        audit_bulk(OperatingLine, operation="operating_discard", count=count, division_code=locked.division_code,
                   params={"month": locked.month.isoformat(), "run": locked.pk})
        locked.delete()


def _claim_lines(run: OperatingRun) -> None:
    """Record every resident-month the run pays, set-based. The unique (person, month) index refuses a
    resident-month another approved run already pays, so the approval rolls back as a whole."""
    claim, line = OperatingClaim._meta.db_table, OperatingLine._meta.db_table
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {claim} (person_id, month, run_id, line_id, division_code) "  # noqa: S608 - table names
                f"SELECT person_id, %s, run_id, id, division_code FROM {line} WHERE run_id = %s",
                [run.month, run.pk],
            )
    except IntegrityError as exc:
        paid = (OperatingClaim.objects.filter(month=run.month, person_id__in=run.lines.values("person_id"))
                .select_related("run").first())
        where = _run_label(paid.run) if paid else "另一批次"
        raise Conflict(f"{where}已发放本月部分入住老人的运营补贴，不能重复发放", code="operating_already_paid") from exc
    audit_bulk(OperatingClaim, operation="operating_claim", count=run.residents, division_code=run.division_code,
               params={"month": run.month.isoformat(), "run": run.pk})
