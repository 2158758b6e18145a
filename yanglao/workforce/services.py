"""Writes to the workforce records. Every function takes the acting user and stays in their jurisdiction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from yanglao.core import crypto
from yanglao.core.audit import audit_context
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.idnumber import IdNumberError, mask_id_number, parse_id_number
from yanglao.core.models import User
from yanglao.core.scope import division_in_scope
from yanglao.people.services import id_hash

from .models import Attendance, Caregiver, CaregiverStatus, Course, SkillLevel, SubsidyRule


def _require(user: User, capability: str) -> None:
    if not user.can(capability):
        raise Forbidden()


def _in_scope(user: User, division_code: str, field: str = "division_code") -> None:
    if not division_in_scope(user, division_code):
        raise ValidationFailed("不在您的辖区内", details={field: "不在您的辖区内"})


def _check_certificates(data: dict[str, Any], today: dt.date) -> dict[str, str]:
    errors = {}
    level = int(data.get("skill_level") or 0)
    if level and not (data.get("certificate_no") or "").strip():
        errors["certificate_no"] = "有技能等级须填写证书编号"
    issued, expires = data.get("certificate_issued_on"), data.get("certificate_expires_on")
    if issued and issued > today:
        errors["certificate_issued_on"] = "发证日期不能晚于今天"
    if issued and expires and expires <= issued:
        errors["certificate_expires_on"] = "有效期应晚于发证日期"
    if data.get("health_cert_expires_on") and not (data.get("health_cert_no") or "").strip():
        errors["health_cert_no"] = "请填写健康证明编号"
    return errors


def caregiver_create(*, by: User, data: dict[str, Any], today: dt.date | None = None) -> Caregiver:
    _require(by, "workforce.manage")
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    parsed = None
    try:
        parsed = parse_id_number(data.get("id_number") or "", today=today)
    except IdNumberError as exc:
        errors["id_number"] = str(exc)
    institution = data.get("institution")
    division_code = institution.division_code if institution is not None else (data.get("division_code") or "")
    if not division_code:
        errors["division_code"] = "请选择养老机构或工作地"
    elif not division_in_scope(by, division_code):
        errors["institution" if institution is not None else "division_code"] = "不在您的辖区内"
    if (data.get("employed_since") or today) > today:
        errors["employed_since"] = "入职日期不能晚于今天"
    errors |= _check_certificates(data, today)
    if parsed is not None and not errors and not 16 <= (today.year - parsed.birth_date.year) <= 75:
        errors["id_number"] = "年龄不在16至75周岁之间，请核对"
    if errors or parsed is None:
        raise ValidationFailed("护理员信息有误", details=errors)
    cg = Caregiver(
        name=(data.get("name") or "").strip(), id_number_enc=crypto.encrypt(parsed.value), id_number_hash=id_hash(parsed.value),
        id_number_masked=mask_id_number(parsed.value), id_last4=parsed.value[-4:], birth_date=parsed.birth_date,
        sex=parsed.sex, role=data.get("role") or "carer", institution=institution,
        employer=data.get("employer") or (institution.operator if institution is not None else None),
        employed_since=data.get("employed_since") or today, skill_level=int(data.get("skill_level") or 0),
        certificate_no=(data.get("certificate_no") or "").strip(), certificate_issued_on=data.get("certificate_issued_on"),
        certificate_expires_on=data.get("certificate_expires_on"), health_cert_no=(data.get("health_cert_no") or "").strip(),
        health_cert_expires_on=data.get("health_cert_expires_on"), division_code=division_code,
    )
    if not cg.name:
        raise ValidationFailed("请填写姓名", details={"name": "必填"})
    with audit_context(by):
        try:
            with transaction.atomic():
                cg.save()
        except IntegrityError as exc:
            raise Conflict("该身份证号码或证书编号已登记", code="duplicate_caregiver",
                           details={"id_number": "身份证号码或证书编号已登记"}) from exc
    return cg


def caregiver_certify(*, by: User, caregiver: Caregiver, data: dict[str, Any], today: dt.date | None = None) -> Caregiver:
    """Record a new skill level certificate and/or health certificate."""
    _require(by, "workforce.manage")
    today = today or timezone.localdate()
    errors = _check_certificates(data, today)
    if errors:
        raise ValidationFailed("证书信息有误", details=errors)
    fields = ["skill_level", "certificate_no", "certificate_issued_on", "certificate_expires_on", "health_cert_no",
              "health_cert_expires_on"]
    with audit_context(by):
        for f in fields:
            if f in data:
                setattr(caregiver, f, data[f] if data[f] is not None or f.endswith("_on") else "")
        caregiver.skill_level = int(caregiver.skill_level or 0)
        try:
            with transaction.atomic():
                caregiver.save()
        except IntegrityError as exc:
            raise Conflict("该证书编号已登记", code="duplicate_certificate", details={"certificate_no": "已登记"}) from exc
    return caregiver


def caregiver_leave(*, by: User, caregiver: Caregiver, on: dt.date) -> Caregiver:
    _require(by, "workforce.manage")
    if on < caregiver.employed_since or on > timezone.localdate():
        raise ValidationFailed("离职日期有误", details={"on": "应在入职日期与今天之间"})
    with audit_context(by):
        caregiver.status, caregiver.left_on = CaregiverStatus.LEFT, on
        caregiver.save(update_fields=["status", "left_on", "updated_at", "version"])
    return caregiver


def course_create(*, by: User, data: dict[str, Any]) -> Course:
    _require(by, "workforce.manage")
    _in_scope(by, data.get("division_code") or "")
    if data["ends_on"] < data["starts_on"]:
        raise ValidationFailed("结业日期不能早于开班日期", details={"ends_on": "不能早于开班日期"})
    with audit_context(by):
        return Course.objects.create(**{k: data[k] for k in ("title", "kind", "provider", "starts_on", "ends_on", "hours",
                                                             "places", "division_code")})


def attendance_record(*, by: User, course: Course, caregiver: Caregiver, completed: bool, passed: bool) -> Attendance:
    _require(by, "workforce.manage")
    if passed and not completed:
        raise ValidationFailed("未完成培训不能考核合格", details={"passed": "须先完成培训"})
    with audit_context(by), transaction.atomic():
        att, _ = Attendance.objects.select_for_update().get_or_create(
            course=course, caregiver=caregiver, defaults={"division_code": caregiver.division_code})
        att.completed, att.passed = completed, passed
        att.save()
    return att


def subsidy_rule_add(*, by: User, data: dict[str, Any]) -> SubsidyRule:
    """A new dated rule; one of the same kind and level whose dates overlap is refused."""
    _require(by, "workforce.manage")
    if not by.scope_prefix or len(by.scope_prefix) > 4:
        raise Forbidden("补贴标准由市级设置")
    start, end = data["valid_from"], data.get("valid_to")
    overlap = SubsidyRule.objects.filter(kind=data["kind"], skill_level=data.get("skill_level"))
    overlap = overlap.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
    if end is not None:
        overlap = overlap.filter(valid_from__lte=end)
    if overlap.exists():
        raise Conflict("与已有的同类补贴标准时间重叠", code="overlap", details={"valid_from": "时间重叠"})
    if data.get("kind") == "certification" and data.get("skill_level") in (None, SkillLevel.NONE):
        raise ValidationFailed("等级补贴须指定技能等级", details={"skill_level": "必填"})
    with audit_context(by):
        return SubsidyRule.objects.create(**data)
