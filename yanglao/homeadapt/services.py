"""What changes home adaptations, device loans and family care beds. Every function checks the state it
starts from and raises DomainError with a Chinese reason; money is integer fen."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from yanglao.core.errors import Conflict, ValidationFailed
from yanglao.core.uploads import check_upload
from yanglao.people.models import Person, PersonCategory

from .models import (
    AdaptationItem,
    CareBed,
    CareBedStatus,
    CareService,
    Device,
    Loan,
    LoanKind,
    PhotoKind,
    Project,
    ProjectLine,
    ProjectPhoto,
    ProjectStatus,
    ServiceRecord,
    SubsidyRule,
)


def yuan(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"


def _today() -> dt.date:
    return timezone.localdate()


def _lock(model: Any, pk: int) -> Any:
    return model.objects.select_for_update().get(pk=pk)


def _require_status(obj: Project, *allowed: str, message: str) -> None:
    if obj.status not in allowed:
        raise Conflict(f"{message}（当前状态：{obj.get_status_display()}）", code="wrong_status")


# --------------------------------------------------------------------------- subsidy rules


def person_categories_on(person: Person, day: dt.date) -> set[str]:
    rows = PersonCategory.objects.filter(person=person, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    return set(rows.values_list("category", flat=True))


def rule_for(person: Person, day: dt.date) -> SubsidyRule | None:
    """The first rule (by rank) valid on `day` whose categories the person has on that day."""
    categories = person_categories_on(person, day)
    rules = SubsidyRule.objects.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    for rule in rules.order_by("rank", "-valid_from"):
        if not rule.categories or categories & set(rule.categories):
            return rule
    return None


@dataclass
class LineInput:
    item: AdaptationItem
    quantity: int
    subsidy_fen: int | None = None  # None: by rule; a figure: the assessor's lower amount


@dataclass
class LinePlan:
    item: AdaptationItem
    quantity: int
    amount_fen: int
    subsidy_fen: int


def plan_subsidy(lines: Sequence[LineInput], rule: SubsidyRule | None) -> list[LinePlan]:
    """Each line's amount and subsidy: the rule's percent of the amount (rounded down to the fen), trimmed
    from the dearest lines so the project stays within the rule's cap. A figure given for a line may be
    lower than the rule's, never above the item's amount, the rule's share or (in total) the cap."""
    percent = rule.percent if rule else 0
    cap = rule.cap_fen if rule else 0
    plans: list[LinePlan] = []
    errors: dict[str, str] = {}
    for line in lines:
        if line.quantity <= 0:
            errors[f"qty_{line.item.pk}"] = "数量必须大于 0"
            continue
        amount = line.item.price_fen * line.quantity
        share = amount * percent // 100
        if line.subsidy_fen is None:
            subsidy = share
        else:
            subsidy = line.subsidy_fen
            if subsidy < 0:
                errors[f"sub_{line.item.pk}"] = "补贴金额不能为负数"
            elif subsidy > amount:
                errors[f"sub_{line.item.pk}"] = (f"补贴金额 {yuan(subsidy)} 超过该项目的价格 {yuan(amount)}"
                                                 f"（单价 {yuan(line.item.price_fen)} × {line.quantity}）")
            elif subsidy > share:
                errors[f"sub_{line.item.pk}"] = (f"补贴金额 {yuan(subsidy)} 超过补贴规则的比例"
                                                 f"（{percent}%，即 {yuan(share)}）")
        plans.append(LinePlan(line.item, line.quantity, amount, subsidy))
    if errors:
        raise ValidationFailed("；".join(errors.values()), details=errors)
    if not plans:
        raise ValidationFailed("请至少选择一个改造项目", details={"lines": "至少一个改造项目"})
    given = [p for p, line in zip(plans, lines, strict=True) if line.subsidy_fen is not None]
    if given and sum(p.subsidy_fen for p in plans) > cap:
        total = sum(p.subsidy_fen for p in plans)
        raise ValidationFailed(f"补贴合计 {yuan(total)} 超过补贴规则的每户上限 {yuan(cap)}",
                               details={"lines": f"补贴上限 {yuan(cap)}"})
    excess = sum(p.subsidy_fen for p in plans) - cap
    for plan in sorted(plans, key=lambda p: -p.subsidy_fen):
        if excess <= 0:
            break
        cut = min(excess, plan.subsidy_fen)
        plan.subsidy_fen -= cut
        excess -= cut
    return plans


# --------------------------------------------------------------------------- projects


def _number(prefix: str, pk: int, day: dt.date) -> str:
    return f"{prefix}{day:%Y}{pk:06d}"


def project_apply(*, by: Any, person: Person, address: str, request: str = "",
                  applied_on: dt.date | None = None) -> Project:
    applied_on = applied_on or _today()
    if applied_on > _today():
        raise ValidationFailed("申请日期不能晚于今天", details={"applied_on": "不能晚于今天"})
    if not address.strip():
        address = person.address
    if not address.strip():
        raise ValidationFailed("请填写改造住址", details={"address": "必填"})
    try:
        with transaction.atomic():
            project = Project.objects.create(number=f"TMP{timezone.now().timestamp()}", person=person,
                                             address=address.strip(), applied_on=applied_on, request=request.strip(),
                                             division_code=person.division_code)
            project.number = _number("SL", project.pk, applied_on)
            project.save(update_fields=["number"])
    except IntegrityError as exc:
        raise Conflict(f"{person.name}已有一个未办结的适老化改造项目，请在原项目中办理", code="duplicate") from exc
    return project


def project_assess(*, by: Any, project: Project, lines: Sequence[LineInput], needs: str, assessor_name: str = "",
                   assessed_on: dt.date | None = None) -> Project:
    """The needs assessment: the items chosen and their subsidy by the rule valid on the assessment day.
    May be repeated while the project is 申请 or 评估 (the lines are replaced)."""
    assessed_on = assessed_on or _today()
    if assessed_on > _today():
        raise ValidationFailed("评估日期不能晚于今天", details={"assessed_on": "不能晚于今天"})
    if not needs.strip():
        raise ValidationFailed("请填写需求评估意见", details={"needs": "必填"})
    with transaction.atomic():
        project = _lock(Project, project.pk)
        _require_status(project, ProjectStatus.APPLIED, ProjectStatus.ASSESSED, message="只有申请或评估阶段的项目可以评估")
        if assessed_on < project.applied_on:
            raise ValidationFailed("评估日期不能早于申请日期", details={"assessed_on": "早于申请日期"})
        for line in lines:
            if not line.item.active:
                raise ValidationFailed(f"“{line.item.name}”已停用", details={f"qty_{line.item.pk}": "已停用"})
        rule = rule_for(project.person, assessed_on)
        plans = plan_subsidy(lines, rule)
        project.lines.all().delete()
        ProjectLine.objects.bulk_create([
            ProjectLine(project=project, item=p.item, item_name=p.item.name, unit=p.item.unit,
                        unit_price_fen=p.item.price_fen, quantity=p.quantity, amount_fen=p.amount_fen,
                        subsidy_fen=p.subsidy_fen, division_code=project.division_code) for p in plans])
        project.status = ProjectStatus.ASSESSED
        project.assessed_on = assessed_on
        project.assessor_name = assessor_name.strip() or getattr(by, "display_name", "") or by.username
        project.needs = needs.strip()
        project.rule = rule
        project.rule_name = rule.name if rule else "无适用补贴规则（个人自付）"
        project.total_fen = sum(p.amount_fen for p in plans)
        project.subsidy_fen = sum(p.subsidy_fen for p in plans)
        project.save()
    return project


def project_start(*, by: Any, project: Project, contractor: Any, started_on: dt.date | None = None) -> Project:
    started_on = started_on or _today()
    if started_on > _today():
        raise ValidationFailed("开工日期不能晚于今天", details={"started_on": "不能晚于今天"})
    with transaction.atomic():
        project = _lock(Project, project.pk)
        _require_status(project, ProjectStatus.ASSESSED, message="评估完成后才能安排施工")
        if project.assessed_on and started_on < project.assessed_on:
            raise ValidationFailed("开工日期不能早于评估日期", details={"started_on": "早于评估日期"})
        project.contractor = contractor
        project.started_on = started_on
        project.status = ProjectStatus.CONSTRUCTION
        project.save()
    return project


IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000


def photo_add(*, by: Any, project: Project, content: bytes, filename: str, kind: str, caption: str = "") -> ProjectPhoto:
    """A photo of the work: within the upload size limit and really an image (decoded by Pillow, not trusted
    by its name or declared type)."""
    from PIL import Image, UnidentifiedImageError

    check_upload(kind="homeadapt_photo", filename=filename, size=len(content))
    if kind not in PhotoKind.values:
        raise ValidationFailed("请选择照片类型", details={"kind": "请选择"})
    project.refresh_from_db(fields=["status"])
    if project.status not in (ProjectStatus.ASSESSED, ProjectStatus.CONSTRUCTION, ProjectStatus.APPLIED):
        raise Conflict(f"项目{project.get_status_display()}，不能再上传照片", code="wrong_status")
    if kind == PhotoKind.AFTER and project.status != ProjectStatus.CONSTRUCTION:
        raise Conflict("开工后才能上传改造后照片", code="wrong_status")
    try:
        with Image.open(io.BytesIO(content)) as img:
            fmt = img.format or ""
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise ValidationFailed("图片像素过大", details={"file": "图片像素过大"})
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationFailed(f"“{filename}”不是图片文件，请上传 JPG、PNG 或 WebP 格式的照片",
                               details={"file": "不是图片文件"}) from exc
    if fmt not in IMAGE_TYPES:
        raise ValidationFailed(f"“{filename}”的格式不受支持，请上传 JPG、PNG 或 WebP 格式的照片",
                               details={"file": "格式不受支持"})
    return ProjectPhoto.objects.create(project=project, kind=kind, caption=caption.strip()[:100],
                                       filename=filename[-120:], content_type=IMAGE_TYPES[fmt], size=len(content),
                                       width=width, height=height, content=content, uploaded_by=by,
                                       division_code=project.division_code)


def project_complete(*, by: Any, project: Project, note: str = "", completed_on: dt.date | None = None) -> Project:
    completed_on = completed_on or _today()
    with transaction.atomic():
        project = _lock(Project, project.pk)
        _require_status(project, ProjectStatus.CONSTRUCTION, message="施工中的项目才能报完工")
        if completed_on > _today() or (project.started_on and completed_on < project.started_on):
            raise ValidationFailed("完工日期应在开工日期和今天之间", details={"completed_on": "日期有误"})
        if not project.photos.filter(kind=PhotoKind.AFTER).exists():
            raise ValidationFailed("请先上传改造后的照片，再报完工", details={"file": "缺少改造后照片"})
        project.completed_on = completed_on
        project.completion_note = note.strip()[:300]
        project.status = ProjectStatus.AWAITING
        project.save()
    return project


def _county_staff(by: Any, project: Project) -> None:
    if not by.can("homeadapt.accept") or not project.division_code.startswith(by.scope_prefix or "-"):
        raise ValidationFailed("验收须由项目所在县（市、区）的工作人员办理", code="forbidden")


def project_accept(*, by: Any, project: Project, comment: str) -> Project:
    """Acceptance by county staff, only of a project reported complete."""
    _county_staff(by, project)
    with transaction.atomic():
        project = _lock(Project, project.pk)
        if project.status in (ProjectStatus.APPLIED, ProjectStatus.ASSESSED, ProjectStatus.CONSTRUCTION):
            raise Conflict(f"项目尚未完工，不能验收（当前状态：{project.get_status_display()}）", code="not_completed")
        _require_status(project, ProjectStatus.AWAITING, message="只有待验收的项目可以验收")
        project.status = ProjectStatus.ACCEPTED
        project.accepted_on = _today()
        project.accepted_by = by
        project.decision_note = comment.strip()[:500]
        project.save()
    return project


def project_return(*, by: Any, project: Project, comment: str) -> Project:
    """退回整改: the works go back to the contractor; the reason is required."""
    _county_staff(by, project)
    if not comment.strip():
        raise ValidationFailed("请填写退回原因", details={"comment": "必填"})
    with transaction.atomic():
        project = _lock(Project, project.pk)
        _require_status(project, ProjectStatus.AWAITING, message="只有待验收的项目可以退回整改")
        project.status = ProjectStatus.CONSTRUCTION
        project.completed_on = None
        project.returns += 1
        project.decision_note = comment.strip()[:500]
        project.save()
    return project


def project_reject(*, by: Any, project: Project, comment: str) -> Project:
    """不予通过: an application that does not qualify (before the works start); the reason is required."""
    if not comment.strip():
        raise ValidationFailed("请填写不予通过的原因", details={"comment": "必填"})
    with transaction.atomic():
        project = _lock(Project, project.pk)
        _require_status(project, ProjectStatus.APPLIED, ProjectStatus.ASSESSED, message="开工后不能再不予通过")
        project.status = ProjectStatus.REJECTED
        project.decision_note = comment.strip()[:500]
        project.save()
    return project


# --------------------------------------------------------------------------- device loans


def loan_issue(*, by: Any, person: Person, device: Device, kind: str, issued_on: dt.date, due_on: dt.date,
               note: str = "") -> Loan:
    """Lend or rent a device: refused past the stock (counted under a lock on the device), with dates out
    of order, or a rental of a device that has no rent."""
    errors: dict[str, str] = {}
    if issued_on > _today():
        errors["issued_on"] = "出借日期不能晚于今天"
    if due_on < issued_on:
        errors["due_on"] = "应还日期不能早于出借日期"
    elif (due_on - issued_on).days > 3 * 366:
        errors["due_on"] = "借用期限不能超过三年"
    if kind == LoanKind.RENTAL and device.rent_fen == 0:
        errors["kind"] = f"“{device.name}”为免费借用器具，不能租赁"
    if kind == LoanKind.LOAN and device.rent_fen > 0:
        errors["kind"] = f"“{device.name}”按月收取租金（{yuan(device.rent_fen)}），请选择租赁"
    if errors:
        raise ValidationFailed("；".join(errors.values()), details=errors)
    with transaction.atomic():
        device = _lock(Device, device.pk)
        if not device.active:
            raise ValidationFailed(f"“{device.name}”已停用", details={"device": "已停用"})
        out = device.loans.filter(returned_on__isnull=True).count()
        if out >= device.stock:
            raise Conflict(f"“{device.name}”库存 {device.stock} 件已全部借出", code="out_of_stock")
        loan = Loan.objects.create(number=f"TMP{timezone.now().timestamp()}", person=person, device=device, kind=kind,
                                   issued_on=issued_on, due_on=due_on, deposit_fen=device.deposit_fen,
                                   rent_fen=device.rent_fen if kind == LoanKind.RENTAL else 0, note=note.strip()[:200],
                                   division_code=person.division_code)
        loan.number = _number("FJ", loan.pk, issued_on)
        loan.save(update_fields=["number"])
    return loan


def rent_for(loan: Loan, returned_on: dt.date) -> int:
    """Rent per started month of 30 days (at least one month) for a rental; nothing for a free loan."""
    if loan.rent_fen == 0:
        return 0
    days = (returned_on - loan.issued_on).days
    months = max(1, -(-days // 30))
    return months * loan.rent_fen


def loan_return(*, by: Any, loan: Loan, returned_on: dt.date, deduction_fen: int = 0, note: str = "") -> Loan:
    with transaction.atomic():
        loan = _lock(Loan, loan.pk)
        if loan.returned_on is not None:
            raise Conflict(f"借用单 {loan.number} 已于 {loan.returned_on:%Y-%m-%d} 归还", code="already_returned")
        if returned_on < loan.issued_on or returned_on > _today():
            raise ValidationFailed("归还日期应在出借日期和今天之间", details={"returned_on": "日期有误"})
        if deduction_fen < 0 or deduction_fen > loan.deposit_fen:
            raise ValidationFailed(f"押金扣除不能超过押金 {yuan(loan.deposit_fen)}", details={"deduction": "超过押金"})
        loan.returned_on = returned_on
        loan.rent_charged_fen = rent_for(loan, returned_on)
        loan.deduction_fen = deduction_fen
        if note.strip():
            loan.note = note.strip()[:200]
        loan.save()
    return loan


# --------------------------------------------------------------------------- family care beds


def care_bed_register(*, by: Any, person: Person, institution: Any, services: Sequence[str], visits_per_month: int,
                      started_on: dt.date, address: str = "") -> CareBed:
    errors: dict[str, str] = {}
    unknown = [s for s in services if s not in CareService.values]
    if not services or unknown:
        errors["services"] = "请选择约定的服务内容"
    if not 1 <= visits_per_month <= 62:
        errors["visits_per_month"] = "每月约定服务次数应在 1 到 62 之间"
    if started_on > _today() + dt.timedelta(days=31):
        errors["started_on"] = "建床日期不能晚于一个月以后"
    address = (address or person.address).strip()
    if not address:
        errors["address"] = "请填写床位地址"
    if errors:
        raise ValidationFailed("；".join(errors.values()), details=errors)
    try:
        with transaction.atomic():
            bed = CareBed.objects.create(number=f"TMP{timezone.now().timestamp()}", person=person, address=address,
                                         institution=institution, services=list(dict.fromkeys(services)),
                                         visits_per_month=visits_per_month, started_on=started_on,
                                         division_code=person.division_code)
            bed.number = _number("JC", bed.pk, started_on)
            bed.save(update_fields=["number"])
    except IntegrityError as exc:
        raise Conflict(f"{person.name}已有服务中的家庭照护床位", code="duplicate") from exc
    return bed


def care_bed_end(*, by: Any, bed: CareBed, ended_on: dt.date, reason: str) -> CareBed:
    if not reason.strip():
        raise ValidationFailed("请填写撤床原因", details={"comment": "必填"})
    with transaction.atomic():
        bed = _lock(CareBed, bed.pk)
        if bed.status != CareBedStatus.ACTIVE:
            raise Conflict("该床位已撤床", code="wrong_status")
        if ended_on < bed.started_on or ended_on > _today():
            raise ValidationFailed("撤床日期应在建床日期和今天之间", details={"ended_on": "日期有误"})
        bed.status = CareBedStatus.ENDED
        bed.ended_on = ended_on
        bed.end_reason = reason.strip()[:200]
        bed.save()
    return bed


def service_record(*, by: Any, bed: CareBed, served_on: dt.date, service: str, minutes: int, carer: str,
                   note: str = "") -> ServiceRecord:
    """A visit logged by the serving institution's staff: an agreed service, on a day the bed was in service,
    not in the future."""
    if by.organisation_id is None or bed.institution.operator_id != by.organisation_id:
        raise ValidationFailed("服务记录须由该床位的服务机构登记", code="forbidden")
    errors: dict[str, str] = {}
    if served_on > _today():
        errors["served_on"] = "服务日期不能晚于今天"
    elif served_on < bed.started_on or (bed.ended_on and served_on > bed.ended_on):
        errors["served_on"] = "服务日期不在床位服务期内"
    if service not in bed.services:
        label = dict(CareService.choices).get(service, service)
        errors["service"] = f"“{label}”不在该床位约定的服务内容中（{bed.service_labels()}）"
    if not 5 <= minutes <= 600:
        errors["minutes"] = "服务时长应在 5 到 600 分钟之间"
    if not carer.strip():
        errors["carer"] = "请填写服务人员"
    if errors:
        raise ValidationFailed("；".join(errors.values()), details=errors)
    return ServiceRecord.objects.create(bed=bed, served_on=served_on, service=service, minutes=minutes,
                                        carer=carer.strip(), note=note.strip()[:300], recorded_by=by,
                                        division_code=bed.division_code)
