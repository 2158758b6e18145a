"""Writes to the time bank. Every function takes the acting user; every movement goes through `_move`,
which locks the two accounts in a fixed order (lowest id first) and refuses to take a member's account
below zero, so concurrent redemptions and gifts can never spend the same minutes twice."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from yanglao.core import crypto
from yanglao.core.audit import audit_context, record
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.idnumber import IdNumberError, mask_id_number, parse_id_number
from yanglao.core.models import AuditAction, User
from yanglao.core.scope import division_in_scope
from yanglao.people.services import id_hash

from .models import (
    Account,
    AccountKind,
    Member,
    MemberKind,
    MemberStatus,
    Relative,
    Scheme,
    ServiceRequest,
    ServiceStatus,
    Transfer,
    TransferKind,
    VerifiedBy,
)

INDIVIDUAL_KINDS = (MemberKind.VOLUNTEER, MemberKind.ELDER)


def _require(user: User, capability: str) -> None:
    if not user.can(capability):
        raise Forbidden()


def _in_scope(user: User, division_code: str) -> None:
    if not division_in_scope(user, division_code):
        raise ValidationFailed("该社区不在您的辖区内", details={"division_code": "不在您的辖区内"})


def current_scheme(on: dt.date | None = None) -> Scheme:
    on = on or timezone.localdate()
    scheme = (Scheme.objects.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
              .order_by("-valid_from").first())
    if scheme is None:
        raise Conflict("尚未设置有效的时间银行规则", code="no_scheme")
    return scheme


def system_account(kind: str) -> Account:
    account, _ = Account.objects.get_or_create(kind=kind, member=None, defaults={"division_code": ""})
    return account


def hours_text(minutes: int | None) -> str:
    minutes = int(minutes or 0)
    sign = "-" if minutes < 0 else ""
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h}小时{m:02d}分" if m else f"{sign}{h}小时"


# ---------------------------------------------------------------------------------------------- members

def new_lookup_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def lookup_code_hash(number: str, code: str) -> str:
    return crypto.lookup_hash(f"{number}:{code}", purpose="timebank-code")


def member_create(*, by: User, data: dict[str, Any], today: dt.date | None = None) -> tuple[Member, str]:
    """Register a member and open their account. Returns the member and the 6-digit query code for their
    card (shown once; only its keyed hash is kept). Individuals: ID number checked (GB 11643), stored
    encrypted with a keyed hash and masked; older people are linked to their registry record."""
    _require(by, "timebank.manage")
    today = today or timezone.localdate()
    kind = data.get("kind")
    if kind not in MemberKind.values:
        raise ValidationFailed("请选择会员类型", details={"kind": "请选择会员类型"})
    person = data.get("person")
    name = (data.get("name") or "").strip()
    division_code = data.get("division_code") or (person.division_code if person is not None else "")
    if not division_code:
        raise ValidationFailed("请选择所在村（社区）", details={"division_code": "必填"})
    _in_scope(by, division_code)
    member = Member(kind=kind, division_code=division_code, joined_on=data.get("joined_on") or today,
                    training_hours=data.get("training_hours") or 0, training_done_on=data.get("training_done_on"))
    if kind == MemberKind.ELDER:
        if person is None:
            raise ValidationFailed("服务对象须从老年人档案中选择", details={"person": "请选择老年人"})
        member.person = person
        member.name = person.name
        member.id_number_enc, member.id_number_hash = person.id_number_enc, person.id_number_hash
        member.id_number_masked, member.id_last4, member.birth_date = person.id_number_masked, person.id_last4, person.birth_date
    elif kind == MemberKind.VOLUNTEER:
        if not name:
            raise ValidationFailed("请填写姓名", details={"name": "必填"})
        try:
            parsed = parse_id_number(data.get("id_number") or "", today=today)
        except IdNumberError as exc:
            raise ValidationFailed(f"身份证号码有误：{exc}", details={"id_number": str(exc)}) from exc
        scheme = current_scheme(today)
        member.name = name
        member.id_number_enc, member.id_number_hash = crypto.encrypt(parsed.value), id_hash(parsed.value)
        member.id_number_masked, member.id_last4, member.birth_date = mask_id_number(parsed.value), parsed.value[-4:], parsed.birth_date
        if (member.age_on(today) or 0) < scheme.volunteer_min_age:
            raise ValidationFailed(f"志愿者须年满{scheme.volunteer_min_age}周岁",
                                   details={"id_number": f"未满{scheme.volunteer_min_age}周岁"})
        team = data.get("team")
        if team is not None and team.kind != MemberKind.TEAM:
            raise ValidationFailed("所属团队无效", details={"team": "请选择志愿服务团队"})
        member.team = team
    else:
        if not name:
            raise ValidationFailed("请填写名称", details={"name": "必填"})
        member.name = name
        member.organisation = data.get("organisation")
        member.identity_checked_on, member.identity_checked_by = today, by  # registered by staff on its documents
    code = new_lookup_code()
    with audit_context(by), transaction.atomic():
        try:
            with transaction.atomic():
                member.save()
        except IntegrityError as exc:
            raise Conflict("该身份证号码（或老年人）已是时间银行会员", code="duplicate_member",
                           details={"id_number": "已登记", "person": "已登记"}) from exc
        member.number = f"SJ{member.pk:08d}"
        member.lookup_code_hash = lookup_code_hash(member.number, code)
        member.save(update_fields=["number", "lookup_code_hash"])
        Account.objects.create(kind=AccountKind.MEMBER, member=member, division_code=member.division_code)
    return member, code


def member_reset_code(*, by: User, member: Member) -> str:
    _require(by, "timebank.manage")
    code = new_lookup_code()
    with audit_context(by):
        member.lookup_code_hash = lookup_code_hash(member.number or "", code)
        member.save(update_fields=["lookup_code_hash", "updated_at"])
    return code


def member_check_identity(*, by: User, member: Member, on: dt.date | None = None) -> Member:
    """Staff saw the identity document (实名核验): the member may now take services and earn."""
    _require(by, "timebank.manage")
    with audit_context(by):
        member.identity_checked_on = on or timezone.localdate()
        member.identity_checked_by = by
        member.save(update_fields=["identity_checked_on", "identity_checked_by", "updated_at"])
    return member


def member_record_training(*, by: User, member: Member, on: dt.date, hours: int) -> Member:
    _require(by, "timebank.manage")
    if on > timezone.localdate():
        raise ValidationFailed("培训日期不能晚于今天", details={"on": "不能晚于今天"})
    if hours <= 0:
        raise ValidationFailed("培训学时应大于0", details={"hours": "应大于0"})
    with audit_context(by):
        member.training_done_on, member.training_hours = on, hours
        member.save(update_fields=["training_done_on", "training_hours", "updated_at"])
    return member


def relative_add(*, by: User, member: Member, relative: Member, relation: str, document: str) -> Relative:
    _require(by, "timebank.manage")
    scheme = current_scheme()
    if relation not in scheme.gift_relations:
        raise ValidationFailed("只能登记直系亲属", details={"relation": "不在规则允许的亲属关系内"})
    if not (member.is_individual and relative.is_individual):
        raise ValidationFailed("亲属关系只能在个人会员之间登记", details={"relative": "须为个人会员"})
    if member.pk == relative.pk:
        raise ValidationFailed("不能登记本人为亲属", details={"relative": "不能是本人"})
    with audit_context(by):
        try:
            with transaction.atomic():
                return Relative.objects.create(member=member, relative=relative, relation=relation, document=document,
                                               division_code=member.division_code)
        except IntegrityError as exc:
            raise Conflict("该亲属关系已登记", code="duplicate_relative") from exc


# ---------------------------------------------------------------------------------------------- the ledger

def _move(*, kind: str, debit: Account, credit: Account, minutes: int, by: User | None, memo: str = "",
          service: ServiceRequest | None = None, at: dt.datetime | None = None,
          credit_cap: int | None = None) -> Transfer:
    """The one way minutes move. Locks both accounts (lowest id first, so two movements between the same
    accounts never deadlock), refuses to overdraw a member's account, and updates the cached balances."""
    if not isinstance(minutes, int) or minutes <= 0:
        raise ValidationFailed("时长应为正整数分钟", details={"minutes": "应大于0"})
    if debit.pk == credit.pk:
        raise ValidationFailed("转出和转入不能是同一账户")
    with transaction.atomic():
        locked = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=[debit.pk, credit.pk]).order_by("pk")}
        src, dst = locked[debit.pk], locked[credit.pk]
        if src.kind != AccountKind.ISSUE and src.balance_minutes < minutes:
            raise Conflict(f"余额不足：可用 {hours_text(src.balance_minutes)}，需要 {hours_text(minutes)}",
                           code="insufficient_balance", details={"minutes": "余额不足"})
        if credit_cap is not None and dst.balance_minutes + minutes > credit_cap:
            raise Conflict(f"超过个人存储上限 {hours_text(credit_cap)}", code="over_cap", details={"minutes": "超过存储上限"})
        Account.objects.filter(pk=src.pk).update(balance_minutes=F("balance_minutes") - minutes)
        Account.objects.filter(pk=dst.pk).update(balance_minutes=F("balance_minutes") + minutes)
        transfer = Transfer.objects.create(kind=kind, debit=src, credit=dst, minutes=minutes, at=at or timezone.now(),
                                           memo=memo[:200], service=service, by=by,
                                           debit_division=src.division_code, credit_division=dst.division_code)
        record(AuditAction.CREATE, object_type="timebank.transfer", object_id=transfer.pk,
               object_repr=f"{transfer.get_kind_display()} {minutes}分钟",
               division_code=dst.division_code or src.division_code,
               extra={"kind": kind, "debit": src.pk, "credit": dst.pk, "minutes": minutes, "memo": memo[:200]})
    return transfer


def _account(member: Member) -> Account:
    try:
        return member.account
    except Account.DoesNotExist as exc:
        raise NotFound("该会员没有时间账户") from exc


def redeem(*, by: User, member: Member, minutes: int, memo: str = "", today: dt.date | None = None) -> Transfer:
    """The member uses their hours for a service they receive (from the scheme's redemption age)."""
    _require(by, "timebank.ledger")
    scheme = current_scheme(today)
    if member.kind == MemberKind.TEAM and scheme.team_donate_only:
        raise Conflict("团队时间只能捐赠，不能兑换", code="team_donate_only")
    if member.kind == MemberKind.ORGANISATION:
        raise Conflict("核实单位没有可兑换的时间", code="not_individual")
    age = member.age_on(today or timezone.localdate())
    if age is None or age < scheme.redeem_min_age:
        raise Conflict(f"年满{scheme.redeem_min_age}周岁方可兑换服务（可赠与直系亲属）", code="too_young",
                       details={"minutes": f"未满{scheme.redeem_min_age}周岁"})
    with audit_context(by):
        return _move(kind=TransferKind.REDEMPTION, debit=_account(member), credit=system_account(AccountKind.REDEEMED),
                     minutes=minutes, by=by, memo=memo or "兑换服务")


def gift(*, by: User, member: Member, relative: Member, minutes: int, today: dt.date | None = None) -> Transfer:
    """Hours given to a direct relative recorded on the member (the scheme's list of relations)."""
    _require(by, "timebank.ledger")
    scheme = current_scheme(today)
    if member.kind == MemberKind.TEAM:
        raise Conflict("团队时间只能捐赠，不能赠与", code="team_donate_only")
    link = Relative.objects.filter(member=member, relative=relative).first()
    if link is None or link.relation not in scheme.gift_relations:
        raise Conflict("只能赠与已登记的直系亲属", code="not_a_relative", details={"relative": "不是已登记的直系亲属"})
    with audit_context(by):
        return _move(kind=TransferKind.GIFT, debit=_account(member), credit=_account(relative), minutes=minutes, by=by,
                     memo=f"赠与{link.relation}", credit_cap=scheme.cap_minutes)


def donate(*, by: User, member: Member, minutes: int) -> Transfer:
    """Hours given to the time fund (团队时间只能捐赠; individuals may donate too)."""
    _require(by, "timebank.ledger")
    if member.kind == MemberKind.ORGANISATION:
        raise Conflict("核实单位没有可捐赠的时间", code="not_individual")
    with audit_context(by):
        return _move(kind=TransferKind.DONATION, debit=_account(member), credit=system_account(AccountKind.FUND),
                     minutes=minutes, by=by, memo="捐赠至时间公益基金")


def grant(*, by: User, elder: Member, minutes: int, reason: str) -> Transfer:
    """The time fund gives hours to an older person in need (特困、失能、独居…), with the reason."""
    _require(by, "timebank.ledger")
    if elder.kind != MemberKind.ELDER:
        raise Conflict("基金只发放给服务对象（老年人）", code="not_elder")
    if not reason.strip():
        raise ValidationFailed("请填写发放理由", details={"reason": "必填"})
    scheme = current_scheme()
    with audit_context(by):
        return _move(kind=TransferKind.GRANT, debit=system_account(AccountKind.FUND), credit=_account(elder),
                     minutes=minutes, by=by, memo=f"基金发放：{reason.strip()}", credit_cap=scheme.cap_minutes)


def expire(*, by: User, today: dt.date | None = None) -> int:
    """If the scheme sets a validity period, minutes still held that were credited before it are moved to
    the expiry account (first in, first out: what remains above the credits of the period). Returns the count."""
    _require(by, "timebank.configure")
    today = today or timezone.localdate()
    scheme = current_scheme(today)
    if not scheme.expiry_years:
        return 0
    cutoff = timezone.make_aware(dt.datetime.combine(today.replace(year=today.year - scheme.expiry_years), dt.time()))
    recent = dict(Transfer.objects.filter(credit__kind=AccountKind.MEMBER, at__gte=cutoff).values("credit")
                  .annotate(s=Sum("minutes")).values_list("credit", "s"))
    n = 0
    sink = system_account(AccountKind.EXPIRED)
    with audit_context(by):
        for account in Account.objects.filter(kind=AccountKind.MEMBER, balance_minutes__gt=0):
            stale = account.balance_minutes - int(recent.get(account.pk) or 0)
            if stale > 0:
                _move(kind=TransferKind.EXPIRY, debit=account, credit=sink, minutes=stale, by=by,
                      memo=f"超过{scheme.expiry_years}年有效期")
                n += 1
    return n


# ---------------------------------------------------------------------------------------------- services

def request_create(*, by: User, elder: Member, service_type: str, scheduled_on: dt.date, description: str = "") -> ServiceRequest:
    _require(by, "timebank.manage")
    if elder.kind != MemberKind.ELDER:
        raise ValidationFailed("服务对象须为老年人会员", details={"elder": "请选择老年人会员"})
    _in_scope(by, elder.division_code)
    with audit_context(by), transaction.atomic():
        req = ServiceRequest.objects.create(elder=elder, service_type=service_type, scheduled_on=scheduled_on,
                                            description=description, requested_at=timezone.now(),
                                            division_code=elder.division_code)
        req.number = f"FW{req.pk:08d}"
        req.save(update_fields=["number"])
    return req


def _locked(req: ServiceRequest, *states: str) -> ServiceRequest:
    current = ServiceRequest.objects.select_for_update().get(pk=req.pk)
    if current.status not in states:
        raise Conflict(f"服务单当前状态为「{current.get_status_display()}」，不能进行此操作", code="wrong_state")
    return current


def request_take(*, by: User, req: ServiceRequest, volunteer: Member, for_team: bool = False) -> ServiceRequest:
    """A volunteer takes the request. Only an active volunteer whose identity was checked and who was trained."""
    _require(by, "timebank.manage")
    if volunteer.kind != MemberKind.VOLUNTEER:
        raise ValidationFailed("请选择个人志愿者", details={"volunteer": "须为个人志愿者"})
    if volunteer.status != MemberStatus.ACTIVE:
        raise Conflict("该志愿者已暂停", code="suspended", details={"volunteer": "已暂停"})
    if not volunteer.identity_checked:
        raise Conflict("该志愿者尚未完成实名核验", code="identity_unchecked", details={"volunteer": "未实名核验"})
    if not volunteer.trained:
        raise Conflict("该志愿者尚未完成培训", code="untrained", details={"volunteer": "未完成培训"})
    if for_team and volunteer.team_id is None:
        raise ValidationFailed("该志愿者不属于任何团队", details={"for_team": "不属于团队"})
    with audit_context(by), transaction.atomic():
        current = _locked(req, ServiceStatus.OPEN)
        current.volunteer, current.for_team = volunteer, for_team
        current.status, current.taken_at = ServiceStatus.TAKEN, timezone.now()
        current.save()
    return current


def request_done(*, by: User, req: ServiceRequest, minutes: int) -> ServiceRequest:
    _require(by, "timebank.manage")
    if not isinstance(minutes, int) or minutes <= 0 or minutes > 12 * 60:
        raise ValidationFailed("服务时长应在1至720分钟之间", details={"minutes": "应在1至720分钟之间"})
    with audit_context(by), transaction.atomic():
        current = _locked(req, ServiceStatus.TAKEN)
        current.minutes_claimed, current.status, current.done_at = minutes, ServiceStatus.DONE, timezone.now()
        current.save()
    return current


def _deposit(*, by: User, req: ServiceRequest, minutes: int) -> None:
    scheme = current_scheme()
    volunteer = req.volunteer
    assert volunteer is not None
    target = volunteer.team if (req.for_team and volunteer.team_id) else volunteer
    account = Account.objects.get(member=target)
    room = max(0, scheme.cap_minutes - account.balance_minutes) if target.kind != MemberKind.TEAM else minutes
    deposit = min(minutes, room)
    req.minutes_deposited, req.minutes_over_cap = deposit, minutes - deposit
    if deposit > 0:
        _move(kind=TransferKind.DEPOSIT, debit=system_account(AccountKind.ISSUE), credit=account, minutes=deposit,
              by=by, service=req, memo=f"{req.get_service_type_display()}（{req.number}）",
              credit_cap=None if target.kind == MemberKind.TEAM else scheme.cap_minutes)


def request_verify(*, by: User, req: ServiceRequest, verified_by: str, verifier: Member | None = None) -> ServiceRequest:
    """The older person (or the verifying organisation) confirms the service: the hours are deposited."""
    _require(by, "timebank.manage")
    if verified_by == VerifiedBy.ORGANISATION and (verifier is None or verifier.kind != MemberKind.ORGANISATION):
        raise ValidationFailed("请选择核实单位", details={"verifier": "请选择核实单位"})
    if verified_by not in VerifiedBy.values:
        raise ValidationFailed("请选择确认方式", details={"verified_by": "请选择"})
    with audit_context(by), transaction.atomic():
        current = _locked(req, ServiceStatus.DONE)
        current.verified_by_kind, current.verifier = verified_by, verifier if verified_by == VerifiedBy.ORGANISATION else None
        current.status, current.verified_at = ServiceStatus.VERIFIED, timezone.now()
        _deposit(by=by, req=current, minutes=int(current.minutes_claimed or 0))
        current.save()
    return current


def request_dispute(*, by: User, req: ServiceRequest, reason: str) -> ServiceRequest:
    """The older person (or organisation) disputes the service: nothing is deposited until it is resolved."""
    _require(by, "timebank.manage")
    if not reason.strip():
        raise ValidationFailed("请填写异议原因", details={"reason": "必填"})
    with audit_context(by), transaction.atomic():
        current = _locked(req, ServiceStatus.DONE)
        current.status, current.dispute_reason = ServiceStatus.DISPUTED, reason.strip()[:200]
        current.save()
    return current


def request_resolve(*, by: User, req: ServiceRequest, minutes: int, resolution: str) -> ServiceRequest:
    """Staff settle a dispute: `minutes` (possibly fewer than claimed) are deposited, or 0 rejects it."""
    _require(by, "timebank.ledger")
    if not resolution.strip():
        raise ValidationFailed("请填写处理意见", details={"resolution": "必填"})
    with audit_context(by), transaction.atomic():
        current = _locked(req, ServiceStatus.DISPUTED)
        if minutes < 0 or minutes > int(current.minutes_claimed or 0):
            raise ValidationFailed("认定时长不能超过申报时长", details={"minutes": "不能超过申报时长"})
        current.resolution, current.verified_at = resolution.strip()[:200], timezone.now()
        if minutes == 0:
            current.status, current.minutes_deposited = ServiceStatus.REJECTED, 0
        else:
            current.status = ServiceStatus.VERIFIED
            _deposit(by=by, req=current, minutes=minutes)
        current.save()
    return current


def request_cancel(*, by: User, req: ServiceRequest, reason: str = "") -> ServiceRequest:
    _require(by, "timebank.manage")
    with audit_context(by), transaction.atomic():
        current = _locked(req, ServiceStatus.OPEN, ServiceStatus.TAKEN)
        current.status, current.resolution = ServiceStatus.CANCELLED, reason[:200]
        current.save()
    return current
