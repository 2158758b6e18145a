"""Visits: plans, assignment, records, missed visits, referrals, consent and the tier rules."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from yanglao.core.audit import audit_bulk, audit_context
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.models import User
from yanglao.core.scope import division_in_scope
from yanglao.people.models import Person

from . import plans
from .models import (
    REFERRAL_OPEN_STATES,
    MissedReason,
    Referral,
    ReferralKind,
    ReferralStatus,
    Risk,
    Visit,
    VisitConsent,
    VisitKind,
    VisitMethod,
    Visitor,
    VisitorKind,
    VisitRecord,
    VisitStatus,
    VisitTier,
)

REFERRAL_DAYS = {ReferralKind.EMERGENCY: 0, ReferralKind.SERVICE_ORDER: 7, ReferralKind.SUBSIDY: 15,
                 ReferralKind.ASSESSMENT: 15}
DEFAULT_CHANGE_HOURS = 24
PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_TYPES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}


def _require(user: User, capability: str) -> None:
    if not user.can(capability):
        raise Forbidden()


def _in_scope(user: User, division_code: str) -> None:
    if not division_in_scope(user, division_code):
        raise NotFound()


# --------------------------------------------------------------------------- plans


def plan_generate(*, by: User, month: dt.date, division_code: str | None = None) -> int:
    """Generate the month's visits for the user's jurisdiction (or a part of it). Idempotent."""
    _require(by, "visits.plan")
    prefix = division_code or by.scope_prefix or ""
    if not prefix:
        raise Forbidden()
    _in_scope(by, prefix)
    month = plans.month_start(month)
    today = timezone.localdate()
    if month > plans.add_months(today.replace(day=1), 1):
        raise ValidationFailed("只能生成本月或下月的探访计划", details={"month": "只能生成本月或下月"})
    with audit_context(by), transaction.atomic():
        added = plans.generate(prefix, month)
        audit_bulk(Visit, operation="plan_generate", count=added, division_code=prefix, params={"month": month})
    return added


def _visitor_for(by: User, visitor_id: int) -> Visitor:
    visitor = Visitor.objects.filter(pk=visitor_id, active=True).first()
    if visitor is None or not division_in_scope(by, visitor.division_code):
        raise ValidationFailed("探访人员不存在或已不在岗", details={"visitor": "请选择在岗的探访人员"})
    return visitor


def visit_reassign(*, by: User, visit: Visit, visitor_id: int) -> Visit:
    _require(by, "visits.plan")
    _in_scope(by, visit.division_code)
    visitor = _visitor_for(by, visitor_id)
    if visit.status != VisitStatus.PLANNED:
        raise Conflict("该探访已记录，不能再改派")
    if visitor.division_code[:9] != visit.division_code[:9]:
        raise ValidationFailed("只能改派给本乡镇（街道）的探访人员", details={"visitor": "须为本乡镇（街道）的探访人员"})
    with audit_context(by):
        visit.visitor = visitor
        visit.save(update_fields=["visitor"])
    return visit


def visitor_reassign_all(*, by: User, source: Visitor, target_id: int, month: dt.date | None = None) -> int:
    """Hand a visitor's whole open list (of a month, or all months) to another visitor: one UPDATE."""
    _require(by, "visits.plan")
    _in_scope(by, source.division_code)
    target = _visitor_for(by, target_id)
    if target.pk == source.pk:
        raise ValidationFailed("请选择另一名探访人员", details={"visitor": "不能改派给本人"})
    if target.division_code[:9] != source.division_code[:9]:
        raise ValidationFailed("只能改派给本乡镇（街道）的探访人员", details={"visitor": "须为本乡镇（街道）的探访人员"})
    qs = Visit.objects.filter(visitor=source, status=VisitStatus.PLANNED)
    if month:
        qs = qs.filter(month=plans.month_start(month))
    with audit_context(by), transaction.atomic():
        moved = qs.update(visitor=target, updated_at=timezone.now(), version=F("version") + 1)
        audit_bulk(Visit, operation="reassign_all", count=moved, division_code=source.division_code,
                   params={"from": source.name, "to": target.name, "month": month})
    return moved


def report_major_change(*, by: User, person: Person, note: str) -> Visit:
    """A major change (hospital discharge, bereavement, disaster…): a visit due within the hours the
    person's tier sets (the strictest rule's, or 24 h, when their tier sets none)."""
    _require(by, "visits.record")
    _in_scope(by, person.division_code)
    note = " ".join((note or "").split())
    if len(note) < 2:
        raise ValidationFailed("请写明变故情况", details={"note": "必填"})
    return _change_visit(by, person, note)


def _change_visit(by: User, person: Person, note: str) -> Visit:
    now = timezone.now()
    month = plans.month_start(timezone.localdate())
    county = person.division_code[:6]
    tier = plans.tier_of(person.pk, county, month)
    hours = tier.change_within_hours if tier and tier.change_within_hours else None
    if hours is None:
        strictest = [t.change_within_hours for t in plans.tiers_for(county, month) if t.change_within_hours]
        hours = min(strictest) if strictest else DEFAULT_CHANGE_HOURS
    due_by = now + dt.timedelta(hours=hours)
    with audit_context(by), transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()  # one seq at a time per person
        last = Visit.objects.filter(person=person, month=month, seq__gte=100).aggregate(m=Max("seq"))["m"]
        current = (Visit.objects.filter(person=person, month=month, visitor__active=True)
                   .exclude(visitor=None).order_by("-id").values_list("visitor_id", flat=True).first())
        if current is None:
            current = (Visitor.objects.filter(division_code=person.division_code, active=True)
                       .order_by("id").values_list("pk", flat=True).first())
        return Visit.objects.create(
            person=person, month=month, seq=(last or 99) + 1, kind=VisitKind.CHANGE,
            tier_name=tier.name if tier else "重大变故", due_date=timezone.localdate(due_by), due_by=due_by,
            visitor_id=current, change_note=note[:200], division_code=person.division_code)


# Registry changes that are a major change by themselves (探访关爱: within 24 hours of a major change).
AUTO_CHANGE_FIELDS = {"living_situation": "居住状况", "category": "人员类别"}


def on_person_change(by: User, person_id: int, changes: dict[str, tuple[Any, Any]]) -> Visit | None:
    """A registry change that is a major change schedules the change visit itself, for a person in the visit
    population (a tier selects them after the change) with no change visit still waiting; the note says what
    changed. Registered with the registry from AppConfig.ready()."""
    from yanglao.core.dictionaries import dictionary_label

    watched = [key for key in changes if key in AUTO_CHANGE_FIELDS]
    if not watched:
        return None
    person = Person.objects.filter(pk=person_id, status="active").first()
    if person is None:
        return None
    month = plans.month_start(timezone.localdate())
    if plans.tier_of(person.pk, person.division_code[:6], month) is None:
        return None
    if Visit.objects.filter(person=person, kind=VisitKind.CHANGE, status=VisitStatus.PLANNED).exists():
        return None
    parts = []
    for key in watched:
        before, after = changes[key]
        dictionary = "living_situation" if key == "living_situation" else "person_category"
        text = f"{AUTO_CHANGE_FIELDS[key]}变更为“{dictionary_label(dictionary, after)}”"
        if before:
            text += f"（原为“{dictionary_label(dictionary, before)}”）"
        parts.append(text)
    return _change_visit(by, person, "登记信息变更：" + "；".join(parts))


# --------------------------------------------------------------------------- records


def _clean_text(data: Mapping[str, Any], key: str, limit: int = 500) -> str:
    return str(data.get(key) or "").strip()[:limit]


def store_photo(content: bytes) -> str:
    """A JPEG or PNG photo, checked by its bytes (not its name), kept under MEDIA_ROOT/visits/."""
    if not content:
        raise ValidationFailed("上传的照片是空的", details={"photo": "文件为空"})
    if len(content) > PHOTO_MAX_BYTES:
        raise ValidationFailed("照片超过 8 MB，请压缩后再上传", details={"photo": "照片超过 8 MB"})
    suffix = next((ext for magic, ext in PHOTO_TYPES.items() if content.startswith(magic)), None)
    if suffix is None:
        raise ValidationFailed("照片须为 JPG 或 PNG 图片", details={"photo": "只接受 JPG 或 PNG 图片"})
    try:
        from PIL import Image

        with Image.open(__import__("io").BytesIO(content)) as img:
            img.verify()
    except Exception as exc:  # noqa: BLE001 — any decoding failure is a broken file
        raise ValidationFailed("照片文件已损坏，无法打开", details={"photo": "图片无法打开"}) from exc
    name = f"visits/{timezone.localdate():%Y%m}/{uuid.uuid4().hex}{suffix}"
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return name


def visit_record(*, by: User, visit: Visit, data: Mapping[str, Any], photo: bytes | None = None) -> VisitRecord:
    """Record a visit that reached the person; with `referral_kind` set, open a referral from it."""
    _require(by, "visits.record")
    _in_scope(by, visit.division_code)
    errors: dict[str, str] = {}
    method = str(data.get("method") or "")
    if method not in VisitMethod.values:
        errors["method"] = "请选择探访方式"
    visited_at = data.get("visited_at")
    now = timezone.now()
    if not isinstance(visited_at, dt.datetime):
        errors["visited_at"] = "请填写探访时间"
    else:
        if timezone.is_naive(visited_at):
            visited_at = timezone.make_aware(visited_at)
        if visited_at > now + dt.timedelta(minutes=10):
            errors["visited_at"] = "探访时间不能晚于现在"
        elif timezone.localtime(visited_at).date() < visit.month:
            errors["visited_at"] = "探访时间早于本次计划所在月份"
    risks = [str(r) for r in (data.get("risks") or [])]
    if any(r not in Risk.values for r in risks):
        errors["risks"] = "风险提示无效"
    texts = {key: _clean_text(data, key) for key in ("health", "economic", "safety", "living_conditions", "needs")}
    if not any(texts.values()):
        errors["health"] = "请至少填写健康、经济、安全状况或居住环境之一"
    referral_kind = str(data.get("referral_kind") or "")
    referral_text = _clean_text(data, "referral_description", 300)
    if referral_kind and referral_kind not in ReferralKind.values:
        errors["referral_kind"] = "转介类型无效"
    if referral_kind and len(referral_text) < 2:
        errors["referral_description"] = "请写明转介事项"
    if errors:
        raise ValidationFailed("；".join(errors.values()), details=errors)
    photo_name = store_photo(photo) if photo else ""
    with audit_context(by), transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.status == VisitStatus.DONE:
            raise Conflict("该探访已经记录过了")
        rec = VisitRecord.objects.create(
            visit=locked, person_id=locked.person_id, visitor=locked.visitor, recorded_by=by, method=method,
            visited_at=visited_at, risks=risks, photo=photo_name, division_code=locked.division_code, **texts)
        locked.status = VisitStatus.DONE
        locked.missed_reason = ""
        locked.missed_note = ""
        locked.save(update_fields=["status", "missed_reason", "missed_note"])
        if referral_kind:
            referral_open(by=by, record=rec, kind=referral_kind, description=referral_text)
    return rec


def visit_missed(*, by: User, visit: Visit, reason: str, note: str = "") -> Visit:
    _require(by, "visits.record")
    _in_scope(by, visit.division_code)
    if reason not in MissedReason.values:
        raise ValidationFailed("请选择未探访原因", details={"reason": "请选择未探访原因"})
    note = " ".join((note or "").split())[:200]
    if reason == MissedReason.OTHER and len(note) < 2:
        raise ValidationFailed("原因为“其他”时请写明说明", details={"note": "请写明原因"})
    with audit_context(by), transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.status == VisitStatus.DONE:
            raise Conflict("该探访已经记录，不能再登记为未探访")
        locked.status = VisitStatus.MISSED
        locked.missed_reason = reason
        locked.missed_note = note
        locked.save(update_fields=["status", "missed_reason", "missed_note"])
    return locked


# --------------------------------------------------------------------------- referrals


def referral_open(*, by: User, record: VisitRecord, kind: str, description: str) -> Referral:
    _require(by, "visits.record")
    _in_scope(by, record.division_code)
    if kind not in ReferralKind.values:
        raise ValidationFailed("转介类型无效", details={"kind": "转介类型无效"})
    description = " ".join((description or "").split())[:300]
    if len(description) < 2:
        raise ValidationFailed("请写明转介事项", details={"description": "必填"})
    today = timezone.localdate()
    with audit_context(by):
        return Referral.objects.create(
            record=record, person_id=record.person_id, kind=kind, description=description,
            due_date=today + dt.timedelta(days=REFERRAL_DAYS[ReferralKind(kind)]), opened_by=by,
            division_code=record.division_code)


def _referral_locked(referral: Referral, allowed: list[str]) -> Referral:
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.status not in allowed:
        raise Conflict(f"该转介当前状态为“{locked.get_status_display()}”，不能办理此操作")
    return locked


def referral_accept(*, by: User, referral: Referral, note: str = "", data: Mapping[str, Any] | None = None) -> Referral:
    """A handler takes the referral and files what it asks for, in the module that does it, so the referral
    follows a real record until that record is finished (`referrals_follow`):
    an assessment referral files the assessment request (or links the one in hand); a service-order referral
    creates the home-care order for the catalogue item and date the handler chose; a subsidy referral files the
    application (enrolment) in the chosen programme from the chosen month. An emergency is handled by phone
    and closed with its outcome."""
    _require(by, "visits.plan")
    _in_scope(by, referral.division_code)
    data = data or {}
    with audit_context(by), transaction.atomic():
        locked = _referral_locked(referral, [ReferralStatus.OPEN])
        person = Person.objects.get(pk=locked.person_id)
        if locked.kind == ReferralKind.ASSESSMENT:
            from yanglao.assessments import selectors as assessment_selectors
            from yanglao.assessments import services as assessment_services

            existing = assessment_selectors.open_assessment(person)
            locked.linked_assessment = existing or assessment_services.assessment_request(
                by=by, person=person, note=f"探访转介：{locked.description}"[:200])
        elif locked.kind == ReferralKind.SERVICE_ORDER:
            locked.linked_order = _referral_order(by, locked, person, data)
        elif locked.kind == ReferralKind.SUBSIDY:
            locked.linked_enrolment = _referral_enrolment(by, locked, person, data)
        locked.status = ReferralStatus.ACCEPTED
        locked.handled_by = by
        locked.accepted_at = timezone.now()
        locked.save()
    return locked


def _referral_order(by: User, referral: Referral, person: Person, data: Mapping[str, Any]) -> Any:
    from yanglao.homecare import services as homecare_services
    from yanglao.homecare.models import ServiceItem

    item = data.get("item")
    if isinstance(item, int | str):
        item = ServiceItem.objects.filter(pk=item).first()
    service_date = data.get("service_date")
    if item is None or not isinstance(service_date, dt.date):
        raise ValidationFailed("请选择服务项目和服务日期", details={"item": "必填", "service_date": "必填"})
    return homecare_services.order_create(by=by, person=person, item=item, service_date=service_date,
                                          note=f"探访转介：{referral.description}"[:200])


def _referral_enrolment(by: User, referral: Referral, person: Person, data: Mapping[str, Any]) -> Any:
    from yanglao.benefits import services as benefit_services
    from yanglao.benefits.models import Programme

    programme = data.get("programme")
    if isinstance(programme, int | str):
        programme = Programme.objects.filter(pk=programme).first()
    from_month = data.get("from_month") or timezone.localdate()
    if programme is None:
        raise ValidationFailed("请选择补贴项目", details={"programme": "必填"})
    return benefit_services.enrolment_apply(by=by, person=person, programme=programme, from_month=from_month,
                                            note=f"探访转介：{referral.description}"[:200])


# What a linked record's state means for the referral that filed it: finished (closed with this outcome) or
# ended without the service (closed too: the handler sees why and may file a new referral).
_FOLLOWED: list[tuple[str, str, dict[str, str]]] = [
    ("linked_order", "homecare.ServiceOrder", {"completed": "已上门服务（工单已完成）", "rated": "已上门服务并评价",
                                               "cancelled": "服务工单已取消"}),
    ("linked_enrolment", "benefits.Enrolment", {"approved": "补贴申请已审核通过", "rejected": "补贴申请未通过",
                                                "ended": "补贴已终止"}),
    ("linked_assessment", "assessments.Assessment", {"approved": "能力评估已完成", "published": "能力评估已完成并公布",
                                                     "cancelled": "评估申请已取消"}),
]


def referrals_follow(*, now: dt.datetime | None = None) -> int:
    """Close every accepted referral whose linked record has finished, with that record's outcome: set-based,
    one UPDATE per kind of linked record and outcome, one audit line each. Run daily by `yanglao visits_daily`;
    idempotent."""
    from django.apps import apps
    from django.db.models import Subquery

    now = now or timezone.now()
    closed = 0
    for field, label, outcomes in _FOLLOWED:
        target = apps.get_model(label)
        for state, outcome in outcomes.items():
            finished = target.objects.filter(status=state).values("pk")
            with transaction.atomic():
                n = (Referral.objects.filter(status=ReferralStatus.ACCEPTED, **{f"{field}__in": Subquery(finished)})
                     .update(status=ReferralStatus.CLOSED, outcome=outcome, closed_at=now, updated_at=now,
                             version=F("version") + 1))
                if n:
                    audit_bulk(Referral, operation="follow_linked", count=n, division_code="",
                               params={"linked": label, "state": state})
            closed += n
    return closed


def referral_close(*, by: User, referral: Referral, outcome: str, cancel: bool = False) -> Referral:
    _require(by, "visits.plan")
    _in_scope(by, referral.division_code)
    outcome = " ".join((outcome or "").split())[:300]
    if len(outcome) < 2:
        raise ValidationFailed("请填写办理结果" if not cancel else "请填写撤销原因", details={"outcome": "必填"})
    with audit_context(by), transaction.atomic():
        locked = _referral_locked(referral, list(REFERRAL_OPEN_STATES))
        locked.status = ReferralStatus.CANCELLED if cancel else ReferralStatus.CLOSED
        locked.outcome = outcome
        locked.closed_at = timezone.now()
        locked.handled_by = locked.handled_by or by
        locked.save()
    return locked


# --------------------------------------------------------------------------- consent, visitors, tiers


def consent_record(*, by: User, person: Person, agreed: bool, signed_by: str = "", note: str = "",
                   on: dt.date | None = None) -> VisitConsent:
    _require(by, "visits.record")
    _in_scope(by, person.division_code)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationFailed("登记日期不能晚于今天", details={"recorded_on": "不能晚于今天"})
    with audit_context(by), transaction.atomic():
        consent, _created = VisitConsent.objects.select_for_update().get_or_create(
            person=person, defaults={"agreed": agreed, "recorded_on": on, "recorded_by": by,
                                     "signed_by": signed_by[:32], "note": note[:200],
                                     "division_code": person.division_code})
        if not _created:
            consent.agreed, consent.recorded_on, consent.recorded_by = agreed, on, by
            consent.signed_by, consent.note = signed_by[:32], note[:200]
            consent.division_code = person.division_code
            consent.save()
    return consent


def visitor_create(*, by: User, name: str, kind: str, division_code: str, user: User | None = None,
                   supervisor: User | None = None, phone_masked: str = "") -> Visitor:
    _require(by, "visits.plan")
    _in_scope(by, division_code)
    errors: dict[str, str] = {}
    if len(name.strip()) < 2:
        errors["name"] = "请填写姓名"
    if kind not in VisitorKind.values:
        errors["kind"] = "请选择类型"
    if len(division_code) != 12:
        errors["division_code"] = "请选择所属村（社区）"
    if user is not None and not division_in_scope(by, user.scope_prefix or "-"):
        errors["user"] = "账号不在您的管辖范围内"
    if errors:
        raise ValidationFailed("；".join(errors.values()), details=errors)
    with audit_context(by):
        return Visitor.objects.create(name=name.strip(), kind=kind, division_code=division_code, user=user,
                                      supervisor=supervisor, phone_masked=phone_masked)


def visitor_set_active(*, by: User, visitor: Visitor, active: bool) -> Visitor:
    _require(by, "visits.plan")
    _in_scope(by, visitor.division_code)
    with audit_context(by):
        visitor.active = active
        visitor.save(update_fields=["active"])
    return visitor


def tier_add(*, by: User, data: Mapping[str, Any]) -> VisitTier:
    """Add a rule for the user's county (county staff) or the city default (city staff)."""
    _require(by, "visits.configure")
    division = by.scope_prefix or ""
    if len(division) not in (4, 6):
        raise Forbidden("只有市、县（市、区）可以配置探访对象规则")
    errors: dict[str, str] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = "请填写探访等级名称"
    living = [str(x) for x in data.get("living_situations") or []]
    cats = [str(x) for x in data.get("categories") or []]
    level = data.get("min_care_level")
    if not living and not cats and level in (None, ""):
        errors["living_situations"] = "至少选择一项条件（居住状况、人员类别或能力等级）"
    per_month = int(data.get("visits_per_month") or 1)
    interval = int(data.get("interval_months") or 1)
    if not 1 <= per_month <= 8:
        errors["visits_per_month"] = "每月探访次数应在 1–8 之间"
    if interval not in (1, 2, 3, 6, 12):
        errors["interval_months"] = "探访周期应为 1、2、3、6 或 12 个月"
    valid_from = data.get("valid_from") or timezone.localdate()
    if errors:
        raise ValidationFailed("；".join(errors.values()), details=errors)
    rank = int(data.get("rank") or 0) or (VisitTier.objects.filter(division_code=division).count() + 1)
    with audit_context(by):
        return VisitTier.objects.create(
            division_code=division, rank=rank, name=name[:32], living_situations=living, categories=cats,
            min_care_level=int(level) if level not in (None, "") else None, visits_per_month=per_month,
            interval_months=interval, change_within_hours=data.get("change_within_hours") or None,
            valid_from=valid_from, document_no=str(data.get("document_no") or "")[:64])


def tier_end(*, by: User, tier: VisitTier, on: dt.date | None = None) -> VisitTier:
    _require(by, "visits.configure")
    if tier.division_code != (by.scope_prefix or ""):
        raise Forbidden("只能停用本级配置的规则")
    on = on or timezone.localdate()
    with audit_context(by):
        tier.valid_to = max(on, tier.valid_from)
        tier.save(update_fields=["valid_to"])
    return tier


def audit_record_view(by: User, rec: VisitRecord) -> None:
    """Health, economic and safety situation shown: one audit line (not a reveal)."""
    from yanglao.core.audit import audit_sensitive_view

    with audit_context(by):
        audit_sensitive_view(rec, fields=["health", "economic", "safety", "needs", "risks"],
                             division_code=rec.division_code)

