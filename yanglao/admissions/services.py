"""The waiting list: applications, priority by rules as data, bed offers safe under concurrency, admission."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from yanglao.core.audit import audit_context
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.models import User
from yanglao.core.roles import Role
from yanglao.core.scope import division_in_scope
from yanglao.institutions.choices import BedStatus
from yanglao.institutions.models import Bed, Institution, Residency
from yanglao.people.choices import Status
from yanglao.people.models import Person, PersonCategory

from . import notices
from .models import (
    ACTIVE_STATUSES,
    AdmissionPolicy,
    Application,
    ApplicationStatus,
    Offer,
    OfferStatus,
    PriorityRule,
)


def policy_on(day: dt.date) -> AdmissionPolicy:
    policy = AdmissionPolicy.objects.filter(valid_from__lte=day).first()
    return policy or AdmissionPolicy(valid_from=day)  # the defaults: 2 declines in 365 days → 365 days off


def rules_on(day: dt.date) -> list[PriorityRule]:
    rules = list(PriorityRule.objects.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)))
    if not rules:
        raise NotFound("尚未配置轮候优先规则（轮候办法），请先由市民政局配置")
    return rules


def priority_for(person: Person, *, day: dt.date, dementia: bool, rules: list[PriorityRule] | None = None) -> tuple[PriorityRule, int | None]:
    """The applicant's group: the first rule they match. Returns (rule, current care level)."""
    from yanglao.assessments.selectors import care_level_for

    rules = rules if rules is not None else rules_on(day)
    categories = set(
        PersonCategory.objects.filter(person=person, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)).values_list("category", flat=True)
    )
    level = care_level_for(person.pk, on=day)
    level_value = level.level if level else None
    for rule in rules:
        if rule.categories and not (categories & set(rule.categories)):
            continue
        if rule.min_care_level is not None:
            disabled = level_value is not None and level_value >= rule.min_care_level
            if not disabled and not (rule.dementia_counts and dementia):
                continue
        return rule, level_value
    return rules[-1], level_value


def _next_number(day: dt.date) -> str:
    prefix = f"LH{day:%Y}"
    last = Application.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    seq = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{seq:06d}"


def application_create(*, by: User, person: Person, institution: Institution, dementia_declared: bool = False,
                       notes: str = "") -> Application:
    """Put an older person on a public home's waiting list."""
    if not by.can("admissions.apply") or not division_in_scope(by, person.division_code):
        raise Forbidden("只能为本辖区的老年人申请")
    if not institution.accepts_public_admission:
        raise ValidationFailed("该机构未纳入公办养老机构评估轮候", details={"institution": "该机构不接受轮候申请"})
    if person.status != Status.ACTIVE:
        raise ValidationFailed("该老年人不是在册状态", details={"person": f"状态：{person.get_status_display()}"})
    current = Residency.objects.filter(person=person, discharged_on__isnull=True).select_related("institution").first()
    if current is not None:
        raise Conflict(f"该老年人已入住{current.institution.name}，不能重复申请入住", code="already_resident")
    today = timezone.localdate()
    removed = Application.objects.filter(person=person, status=ApplicationStatus.REMOVED, removed_until__gte=today).first()
    if removed is not None:
        raise Conflict(f"因多次放弃床位，轮候资格暂停至 {removed.removed_until:%Y年%m月%d日}", code="removed")
    rule, level = priority_for(person, day=today, dementia=dementia_declared)
    with audit_context(by), transaction.atomic():
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    return Application.objects.create(
                        number=_next_number(today), person=person, institution=institution, applied_at=timezone.now(),
                        priority_rank=rule.rank, priority_name=rule.name, must_admit=rule.must_admit,
                        dementia_declared=dementia_declared, care_level_at_application=level, notes=notes,
                        division_code=person.division_code, institution_division_code=institution.division_code,
                    )
            except IntegrityError as exc:
                if Application.objects.filter(person=person, institution=institution, status__in=ACTIVE_STATUSES).exists():
                    raise Conflict("该老年人已在本机构轮候中", code="already_waiting") from exc
        raise Conflict("申请编号冲突，请重试")


def queue(institution: Institution) -> list[Application]:
    """The waiting list in order: priority group, then application time."""
    return list(
        Application.objects.filter(institution=institution, status__in=ACTIVE_STATUSES)
        .select_related("person").order_by("priority_rank", "applied_at", "id")
    )


def position_of(application: Application) -> int | None:
    if application.status not in ACTIVE_STATUSES:
        return None
    ahead = Application.objects.filter(institution_id=application.institution_id, status__in=ACTIVE_STATUSES).filter(
        Q(priority_rank__lt=application.priority_rank)
        | Q(priority_rank=application.priority_rank, applied_at__lt=application.applied_at)
        | Q(priority_rank=application.priority_rank, applied_at=application.applied_at, id__lt=application.pk)
    ).count()
    return ahead + 1


def _can_offer(user: User, institution: Institution) -> bool:
    if user.role == Role.INSTITUTION_OPERATOR:
        return institution.operator_id == user.organisation_id and user.can("admissions.offer")
    return user.can("admissions.offer") and division_in_scope(user, institution.division_code)


def offer_bed(*, by: User, application: Application, bed: Bed) -> Offer:
    """Offer a vacant bed to an application. Safe under concurrency: the bed row is locked, and the
    database allows one pending offer per bed; the loser of a race gets a clear refusal (409)."""
    if not _can_offer(by, application.institution):
        raise Forbidden()
    if bed.institution_id != application.institution_id:
        raise ValidationFailed("床位不属于申请的机构", details={"bed": "床位不属于申请的机构"})
    today = timezone.localdate()
    try:
        with audit_context(by), transaction.atomic():
            locked_bed = Bed.objects.select_for_update().get(pk=bed.pk)
            if locked_bed.status != BedStatus.VACANT:
                raise Conflict(f"床位{locked_bed}当前为“{locked_bed.get_status_display()}”，不能安排", code="bed_taken")
            app = Application.objects.select_for_update().get(pk=application.pk)
            if app.status != ApplicationStatus.WAITING:
                raise Conflict(f"申请 {app.number} 当前为“{app.get_status_display()}”，不能安排床位")
            _check_order(app)
            offer = Offer.objects.create(application=app, bed=locked_bed, offered_by=by, offered_at=timezone.now(),
                                         respond_by=today + dt.timedelta(days=policy_on(today).offer_days),
                                         division_code=locked_bed.division_code)
            locked_bed.status = BedStatus.RESERVED
            locked_bed.save()
            app.status = ApplicationStatus.OFFERED
            app.save()
            notices.bed_offered(offer)  # SMS to the applicant and family, sent after commit
            return offer
    except IntegrityError as exc:
        raise Conflict("该床位已安排给其他申请人", code="bed_taken") from exc


def _check_order(app: Application) -> None:
    """特困 applicants are never left waiting behind others: while one waits, nobody else gets a bed."""
    if app.must_admit:
        return
    waiting_must = Application.objects.filter(institution_id=app.institution_id, status=ApplicationStatus.WAITING,
                                              must_admit=True).exclude(pk=app.pk).first()
    if waiting_must is not None:
        raise Conflict(f"特困人员 {waiting_must.number} 仍在轮候，须优先安排", code="priority_order")


def offer_accept(*, by: User, offer: Offer, admitted_on: dt.date | None = None) -> Residency:
    """The applicant accepts: admission. Needs a current assessment; the bed and the person are
    each in one current residency at most (database constraints)."""
    from yanglao.assessments.selectors import care_level_for

    if not _can_offer(by, offer.application.institution):
        raise Forbidden()
    admitted_on = admitted_on or timezone.localdate()
    try:
        with audit_context(by), transaction.atomic():
            locked = Offer.objects.select_for_update().select_related("application", "bed").get(pk=offer.pk)
            if locked.status != OfferStatus.PENDING:
                raise Conflict(f"该床位安排当前为“{locked.get_status_display()}”")
            app = locked.application
            if care_level_for(app.person_id, on=admitted_on) is None:
                raise ValidationFailed("入住前须完成老年人能力评估（评估结果须在有效期内）", code="assessment_required",
                                       details={"person": "无有效的能力评估结果"})
            bed = Bed.objects.select_for_update().get(pk=locked.bed_id)
            residency = Residency.objects.create(person_id=app.person_id, institution_id=app.institution_id, bed=bed,
                                                 admitted_on=admitted_on, division_code=bed.division_code)
            bed.status = BedStatus.OCCUPIED
            bed.save()
            locked.status, locked.responded_at = OfferStatus.ACCEPTED, timezone.now()
            locked.save()
            app.status = ApplicationStatus.ADMITTED
            app.save()
            Application.objects.filter(person_id=app.person_id, status__in=ACTIVE_STATUSES).exclude(pk=app.pk).update(
                status=ApplicationStatus.WITHDRAWN)
            return residency
    except IntegrityError as exc:
        raise Conflict("该老年人已入住其他机构，或床位已有人入住", code="already_resident") from exc


def offer_decline(*, by: User, offer: Offer, reason: str = "") -> Application:
    """The applicant declines. Declining `decline_limit` times within the window suspends the
    application for `removal_days` (the policy's settings)."""
    if not _can_offer(by, offer.application.institution):
        raise Forbidden()
    today = timezone.localdate()
    policy = policy_on(today)
    with audit_context(by), transaction.atomic():
        locked = Offer.objects.select_for_update().select_related("application").get(pk=offer.pk)
        if locked.status != OfferStatus.PENDING:
            raise Conflict(f"该床位安排当前为“{locked.get_status_display()}”")
        locked.status, locked.responded_at, locked.decline_reason = OfferStatus.DECLINED, timezone.now(), reason
        locked.save()
        bed = Bed.objects.select_for_update().get(pk=locked.bed_id)
        bed.status = BedStatus.VACANT
        bed.save()
        app = Application.objects.select_for_update().get(pk=locked.application_id)
        since = timezone.now() - dt.timedelta(days=policy.decline_window_days)
        declines = Offer.objects.filter(application__person_id=app.person_id, status=OfferStatus.DECLINED,
                                        responded_at__gte=since).count()
        if declines >= policy.decline_limit:
            app.status = ApplicationStatus.REMOVED
            app.removed_until = today + dt.timedelta(days=policy.removal_days)
        else:
            app.status = ApplicationStatus.WAITING
        app.save()
        notices.offer_declined(locked, by=by)  # told after commit (yanglao/notices)
    return app


def public_lookup(*, reference: str, factor: str) -> dict[str, Any] | None:
    """What the public lookup shows for a public reference (printed on the receipt) and a second factor
    (date of birth or the ID number's last four): the position and the status, the name masked. Not the
    priority group (特困, 优抚 are sensitive categories), not the home's other applicants. None whenever
    anything does not match, whether the reference exists or not (core.publicref)."""
    from yanglao.core.publicref import factor_matches, mask_name, normalise

    ref = normalise(reference)
    app = Application.objects.select_related("person", "institution").filter(public_ref=ref).first() if ref else None
    person = app.person if app is not None else None
    if not factor_matches(factor=factor, birth_date=person.birth_date if person else None,
                          id_last4=person.id_last4 if person else ""):
        return None
    assert app is not None and person is not None
    return {
        "name": mask_name(person.name),
        "home": app.institution.name,
        "status": app.get_status_display(),
        "position": position_of(app),
        "waiting_total": Application.objects.filter(institution_id=app.institution_id, status__in=ACTIVE_STATUSES).count(),
        "removed_until": app.removed_until,
    }
