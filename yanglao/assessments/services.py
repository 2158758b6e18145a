"""Writes of the assessment workflow: request → schedule → record → submit → approve → publish.

Each transition locks the row (``select_for_update``) and checks the state it starts from, so two
reviewers cannot approve the same assessment twice; a transition from the wrong state raises
``Conflict`` (409).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from yanglao.core.audit import audit_context
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.models import Organisation, OrganisationKind, User
from yanglao.core.roles import Role
from yanglao.core.scope import division_in_scope
from yanglao.people.models import Person

from . import notices, selectors
from .choices import OPEN_STATES, RECORDABLE_STATES, Reason, RequestedVia, Scale, Status
from .models import Assessment
from .scale import ITEMS_BY_CODE, RISK_EVENTS_BY_CODE
from .scoring import ScoreResult, ScoringError, ScoringPolicy, score

REVIEWER_ROLES = (Role.COUNTY_STAFF, Role.CITY_ADMIN)


def scoring_policy() -> ScoringPolicy:
    """``ASSESSMENT_STACK_ADJUSTMENTS`` (default True): rules 2 and 3 each raise the level by one."""
    return ScoringPolicy(stack_adjustments=bool(getattr(settings, "ASSESSMENT_STACK_ADJUSTMENTS", True)))


def score_assessment(assessment: Assessment) -> ScoreResult:
    return score(
        assessment.items,
        coma=assessment.coma,
        diagnoses=assessment.diagnoses,
        risk_events_30d=assessment.risk_events,
        psychiatrist_diagnosed=assessment.psychiatrist_diagnosed,
        policy=scoring_policy(),
    )


def _require(user: User, capability: str) -> None:
    if not user.can(capability):
        raise Forbidden()


def _in_scope(user: User, assessment_or_person: Assessment | Person) -> None:
    if not division_in_scope(user, assessment_or_person.division_code):
        raise Forbidden("该老年人不在您的管辖范围内")


def _locked(assessment: Assessment, allowed: Sequence[str], action: str) -> Assessment:
    """The row, locked for the rest of the transaction, checked to be in one of ``allowed`` states."""
    row = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if row.status not in allowed:
        raise Conflict(
            f"当前状态为“{row.get_status_display()}”，不能{action}",
            code="invalid_transition",
            details={"status": row.status},
        )
    return row


def _sync(target: Assessment, source: Assessment) -> Assessment:
    """The caller's instance, brought up to date with what was saved."""
    if target is not source:
        target.refresh_from_db()
    return target


# --------------------------------------------------------------------------- request


def assessment_request(
    *,
    by: User,
    person: Person,
    reason: str = Reason.FIRST,
    requested_via: str = RequestedVia.STAFF,
    organisation: Organisation | None = None,
    note: str = "",
) -> Assessment:
    """Register a request for an assessment (by staff; for the person or family through staff; or for
    an institution's applicant). A person has at most one assessment in hand at a time."""
    _require(by, "assessments.request")
    _in_scope(by, person)
    errors: dict[str, str] = {}
    if reason not in Reason.values:
        errors["reason"] = "评估原因无效"
    if requested_via not in RequestedVia.values:
        errors["requested_via"] = "申请途径无效"
    if requested_via == RequestedVia.INSTITUTION and organisation is None:
        errors["organisation"] = "养老机构提出的申请须注明申请机构"
    if organisation is not None and organisation.kind != OrganisationKind.INSTITUTION:
        errors["organisation"] = "申请机构须为养老机构"
    elif (organisation is not None and requested_via == RequestedVia.INSTITUTION
          and not selectors.person_linked_to_organisation(person.pk, organisation.pk)):
        errors["organisation"] = f"该老年人未向“{organisation.name}”的机构申请入住，也未在该机构入住，不能以该机构名义申请评估"
    if person.status != "active":
        errors["person"] = "该老年人档案状态不是“在册”，不能申请评估"
    if errors:
        raise ValidationFailed("评估申请有误", details=errors)
    previous = (
        selectors.results_history(person).filter(scale=Scale.GBT42195).first()
        if reason != Reason.FIRST else None
    )
    with audit_context(by), transaction.atomic():
        assessment = Assessment(
            person=person, division_code=person.division_code, reason=reason, requested_via=requested_via,
            requested_by=by, requesting_organisation=organisation if requested_via == RequestedVia.INSTITUTION else None,
            request_note=note[:200], previous=previous,
        )
        try:
            with transaction.atomic():
                assessment.save()
        except IntegrityError as exc:
            raise Conflict("该老年人已有进行中的评估，请在该评估完成或取消后再申请", code="open_assessment_exists",
                           details={"person": "已有进行中的评估"}) from exc
    return assessment


def reassessment_request(*, by: User, person: Person, reason: str = Reason.ON_REQUEST,
                         requested_via: str = RequestedVia.PERSON_FAMILY, note: str = "") -> Assessment:
    """A re-assessment (on the person's or family's request, periodic, or on a change in condition).
    The earlier result stays in the history and stays the care level until the new one is approved."""
    if reason == Reason.FIRST:
        raise ValidationFailed("复评的原因不能是“首次评估”", details={"reason": "请选择复评原因"})
    return assessment_request(by=by, person=person, reason=reason, requested_via=requested_via, note=note)


# --------------------------------------------------------------------------- schedule


def _check_assessor(user: User | None, person_division: str, field: str, errors: dict[str, str]) -> None:
    if user is None:
        errors[field] = "请选择评估员"
    elif user.role != Role.ASSESSOR or not user.is_active:
        errors[field] = f"{user.display_name} 不是有效的评估员账户"
    elif not (user.scope_prefix and person_division.startswith(user.scope_prefix)):
        errors[field] = f"评估员 {user.display_name} 不负责该老年人所在区域"


def assessment_schedule(*, by: User, assessment: Assessment, assessor_1: User | None, assessor_2: User | None,
                        scheduled_on: dt.date | None, place: str = "") -> Assessment:
    """Assign two different assessors, a date and a place. May be done again before recording starts."""
    _require(by, "assessments.schedule")
    _in_scope(by, assessment)
    errors: dict[str, str] = {}
    _check_assessor(assessor_1, assessment.division_code, "assessor_1", errors)
    _check_assessor(assessor_2, assessment.division_code, "assessor_2", errors)
    if assessor_1 is not None and assessor_2 is not None and assessor_1.pk == assessor_2.pk:
        errors["assessor_2"] = "两名评估员不能是同一人"
    if scheduled_on is None:
        errors["scheduled_on"] = "请填写预约日期"
    if errors:
        raise ValidationFailed("派单信息有误", details=errors)
    with audit_context(by), transaction.atomic():
        row = _locked(assessment, (Status.REQUESTED, Status.SCHEDULED), "派单")
        row.assessor_1, row.assessor_2 = assessor_1, assessor_2
        row.scheduled_on, row.place = scheduled_on, place[:200] or row.person.address
        row.status = Status.SCHEDULED
        row.save()
        notices.assessment_scheduled(row, by=by)  # notice to the assessors, SMS to the family (after commit)
    return _sync(assessment, row)


# --------------------------------------------------------------------------- record and submit


def _check_recorder(by: User, assessment: Assessment) -> None:
    _require(by, "assessments.record")
    if by.pk not in assessment.assessor_ids():
        raise Forbidden("只有派给本评估的两名评估员可以录入评估结果")


def _clean_record(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A draft may be partial, but what is there must be valid codes and scores."""
    errors: dict[str, str] = {}
    items: dict[str, int] = {}
    raw_items = data.get("items") or {}
    if not isinstance(raw_items, Mapping):
        return {}, {"items": "评估项目评分必须为“项目代码 → 分值”的映射"}
    for code, value in raw_items.items():
        item = ITEMS_BY_CODE.get(code)
        if item is None:
            errors[str(code)] = "未知的评估项目代码"
        elif value in (None, ""):
            continue
        elif isinstance(value, bool) or not isinstance(value, int) or value not in item.scores:
            errors[code] = f"分值 {value!r} 超出范围 {item.min_score}–{item.max_score}"
        else:
            items[code] = value
    diagnoses = [str(d).strip().upper() for d in (data.get("diagnoses") or []) if str(d).strip()]
    events = list(data.get("risk_events_30d") or data.get("risk_events") or [])
    unknown = [e for e in events if e not in RISK_EVENTS_BY_CODE]
    if unknown:
        errors["risk_events_30d"] = f"未知的照护风险事件代码：{'、'.join(map(str, unknown))}"
    clean = {
        "items": items,
        "coma": bool(data.get("coma", False)),
        "diagnoses": diagnoses,
        "psychiatrist_diagnosed": bool(data.get("psychiatrist_diagnosed", True)),
        "risk_events": events,
    }
    try:  # the ICD-10 format is checked by the scoring function's own rules
        score({c: ITEMS_BY_CODE[c].max_score for c in ITEMS_BY_CODE}, diagnoses=diagnoses)
    except ScoringError as exc:
        errors.update(exc.errors)
    return clean, errors


def assessment_record(*, by: User, assessment: Assessment, data: Mapping[str, Any]) -> Assessment:
    """Save what the assessors recorded so far (a draft): items, coma, diagnoses, risk events."""
    _check_recorder(by, assessment)
    clean, errors = _clean_record(data)
    if errors:
        raise ValidationFailed("评估数据有误", details=errors)
    with audit_context(by), transaction.atomic():
        row = _locked(assessment, RECORDABLE_STATES, "录入评估结果")
        for key, value in clean.items():
            setattr(row, key, value)
        row.status = Status.IN_PROGRESS
        row.save()
    return _sync(assessment, row)


def assessment_submit(*, by: User, assessment: Assessment, data: Mapping[str, Any] | None = None) -> Assessment:
    """Submit for review: all 26 items must be scored; the total, indicators, base level, level and
    the rules applied are computed here by ``scoring.score`` and stored."""
    _check_recorder(by, assessment)
    clean: dict[str, Any] = {}
    if data is not None:
        clean, errors = _clean_record(data)
        if errors:
            raise ValidationFailed("评估数据有误", details=errors)
    with audit_context(by), transaction.atomic():
        row = _locked(assessment, RECORDABLE_STATES, "提交")
        for key, value in clean.items():
            setattr(row, key, value)
        try:
            result = score_assessment(row)
        except ScoringError as exc:
            raise ValidationFailed("评估数据有误", details=exc.errors) from exc
        row.total, row.indicators = result.total, result.indicators
        row.base_level, row.level = result.base_level, result.level
        row.rules_applied = [rule.as_dict() for rule in result.rules_applied]
        row.assessed_on = timezone.localdate()
        row.submitted_at = timezone.now()
        row.rejection_reason = ""
        row.status = Status.SUBMITTED
        row.save()
    return _sync(assessment, row)


# --------------------------------------------------------------------------- review


def _check_reviewer(by: User, assessment: Assessment) -> None:
    if by.pk in assessment.assessor_ids():
        raise Forbidden("评估员不能审核本人参与的评估，请由县（市、区）其他工作人员审核", code="reviewer_is_assessor")
    _require(by, "assessments.review")
    if by.role not in REVIEWER_ROLES or not division_in_scope(by, assessment.division_code):
        raise Forbidden("审核须由该老年人所在县（市、区）的工作人员或市级管理员进行")


def assessment_approve(*, by: User, assessment: Assessment, on: dt.date | None = None) -> Assessment:
    """Approve: the result becomes the person's care level at once, valid for
    ``ASSESSMENT_VALIDITY_MONTHS`` (default 12) from the approval date."""
    with audit_context(by), transaction.atomic():
        row = _locked(assessment, (Status.SUBMITTED,), "审核通过")
        _check_reviewer(by, row)
        now = timezone.now()
        day = on or timezone.localdate()
        row.reviewer, row.reviewed_at, row.approved_at = by, now, now
        row.valid_from, row.valid_until = day, selectors.valid_until_for(day)
        row.status = Status.APPROVED
        row.save()
    return _sync(assessment, row)


def assessment_reject(*, by: User, assessment: Assessment, reason: str) -> Assessment:
    """Send it back to the assessors with a reason; they correct it and submit again."""
    if not reason.strip():
        raise ValidationFailed("请填写退回原因", details={"reason": "请填写退回原因"})
    with audit_context(by), transaction.atomic():
        row = _locked(assessment, (Status.SUBMITTED,), "退回")
        _check_reviewer(by, row)
        row.reviewer, row.reviewed_at = by, timezone.now()
        row.rejection_reason = reason.strip()[:300]
        row.status = Status.REJECTED
        row.save()
    return _sync(assessment, row)


def assessment_publish(*, by: User, assessment: Assessment) -> Assessment:
    """Publish the approved result to the person and family (the report is issued)."""
    _require(by, "assessments.review")
    _in_scope(by, assessment)
    with audit_context(by), transaction.atomic():
        row = _locked(assessment, (Status.APPROVED,), "公布")
        row.published_at = timezone.now()
        row.status = Status.PUBLISHED
        row.save()
    return _sync(assessment, row)


def assessment_cancel(*, by: User, assessment: Assessment, reason: str) -> Assessment:
    _require(by, "assessments.request")
    _in_scope(by, assessment)
    if not reason.strip():
        raise ValidationFailed("请填写取消原因", details={"reason": "请填写取消原因"})
    with audit_context(by), transaction.atomic():
        row = _locked(assessment, tuple(s for s in OPEN_STATES if s != Status.SUBMITTED), "取消")
        row.cancelled_reason = reason.strip()[:200]
        row.status = Status.CANCELLED
        row.save()
    return _sync(assessment, row)
