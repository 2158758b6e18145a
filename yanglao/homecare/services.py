"""What happens in home and community care. Views and the API call these; each checks who may do it,
refuses bad input with a Chinese reason (DomainError) and leaves the database consistent."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from yanglao.core.audit import audit_bulk
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.models import Organisation, OrganisationKind, User
from yanglao.core.roles import Role
from yanglao.core.scope import division_in_scope, restrict
from yanglao.people.models import Person

from .choices import BILLABLE, ComplaintStatus, OrderSource, OrderStatus, PayMethod, SettlementStatus
from .models import (
    Complaint,
    ComplaintFollowUp,
    Contract,
    Facility,
    FacilityCommunity,
    HomeProfile,
    HotlineCall,
    Meal,
    MealAccount,
    Provider,
    ProviderArea,
    ProviderStaff,
    ServiceItem,
    ServiceOrder,
    ServicePlan,
    Settlement,
    SettlementLine,
    SubsidyRule,
)


def checkin_radius_m() -> int:
    """How far from the home a check-in may be before it is flagged (metres)."""
    return int(getattr(settings, "HOMECARE_CHECKIN_RADIUS_M", 300))


def _need(user: User, capability: str) -> None:
    if not user.can(capability):
        raise Forbidden("您没有此项操作权限")


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


# --------------------------------------------------------------------------- catalogue
def item_create(*, by: User, data: dict[str, Any]) -> ServiceItem:
    _need(by, "homecare.configure")
    if ServiceItem.objects.filter(code=data["code"]).exists():
        raise ValidationFailed("项目编号已存在", details={"code": "项目编号已存在"})
    item = ServiceItem(**data)
    item.save()
    return item


def item_publish(*, by: User, item: ServiceItem, published: bool) -> ServiceItem:
    _need(by, "homecare.configure")
    item.published = published
    item.save(update_fields=["published", "updated_at"])
    return item


def rule_create(*, by: User, item: ServiceItem, data: dict[str, Any]) -> SubsidyRule:
    """A subsidy rule; a subsidy above the item's standard price is refused."""
    _need(by, "homecare.configure")
    subsidy = int(data["subsidy_fen"])
    if subsidy <= 0:
        raise ValidationFailed("补贴金额须大于0", details={"subsidy_fen": "补贴金额须大于0"})
    if subsidy > item.price_fen:
        reason = f"补贴 ¥{subsidy / 100:,.2f} 高于项目标准价格 ¥{item.price_fen / 100:,.2f}，不能超过标准价格"
        raise ValidationFailed(reason, details={"subsidy_fen": reason})
    lo, hi = data.get("min_care_level"), data.get("max_care_level")
    if lo is not None and hi is not None and lo > hi:
        raise ValidationFailed("最低能力等级不能高于最高能力等级", details={"max_care_level": "最低能力等级不能高于最高能力等级"})
    rule = SubsidyRule(item=item, **data)
    rule.save()
    return rule


def _person_categories(person_id: int, on: dt.date) -> set[str]:
    from yanglao.people.models import PersonCategory

    return set(PersonCategory.objects.filter(person_id=person_id, valid_from__lte=on)
               .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on)).values_list("category", flat=True))


def subsidy_rule_for(person: Person, item: ServiceItem, on: dt.date) -> SubsidyRule | None:
    """The most generous rule of the item valid on `on` that the person meets (category and care level)."""
    from yanglao.assessments.selectors import care_level_for

    rules = list(SubsidyRule.objects.filter(item=item, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)).select_related("programme").order_by("-subsidy_fen", "pk"))
    if not rules:
        return None
    categories = _person_categories(person.pk, on)
    care = care_level_for(person.pk, on)
    level = care.level if care else None
    for rule in rules:
        if rule.category and rule.category not in categories:
            continue
        if rule.min_care_level is not None and (level is None or level < rule.min_care_level):
            continue
        if rule.max_care_level is not None and (level is None or level > rule.max_care_level):
            continue
        return rule
    return None


# --------------------------------------------------------------------------- providers
def provider_create(*, by: User, name: str, division_code: str, areas: list[str], contact_name: str = "",
                    phone: str = "", daily_capacity: int = 50, credit_code: str = "",
                    organisation: Organisation | None = None) -> Provider:
    _need(by, "homecare.configure")
    if not division_in_scope(by, division_code):
        raise Forbidden("注册地不在您的管辖范围内")
    with transaction.atomic():
        if organisation is None:
            organisation = Organisation.objects.create(name=name, kind=OrganisationKind.PROVIDER,
                                                       division_code=division_code, credit_code=credit_code)
        elif Provider.objects.filter(organisation=organisation).exists():
            raise Conflict("该组织已登记为服务商")
        provider = Provider.objects.create(organisation=organisation, name=name, division_code=division_code,
                                           contact_name=contact_name, phone=phone, daily_capacity=daily_capacity)
        provider_set_areas(by=by, provider=provider, areas=areas)
    return provider


def provider_set_areas(*, by: User, provider: Provider, areas: list[str]) -> None:
    _need(by, "homecare.configure")
    outside = [a for a in areas if not division_in_scope(by, a)]
    if outside:
        raise Forbidden("服务区域不在您的管辖范围内：" + "、".join(outside))
    ProviderArea.objects.filter(provider=provider).exclude(division_code__in=areas).delete()
    for code in areas:
        ProviderArea.objects.get_or_create(provider=provider, division_code=code)


def staff_add(*, by: User, provider: Provider, name: str, skill_level: str, phone: str = "",
              certificate_no: str = "", user: User | None = None) -> ProviderStaff:
    if not (by.can("homecare.configure") or (by.can("homecare.serve") and by.organisation_id == provider.organisation_id)):
        raise Forbidden("您没有此项操作权限")
    return ProviderStaff.objects.create(provider=provider, name=name, skill_level=skill_level, phone=phone,
                                        certificate_no=certificate_no, user=user, division_code=provider.division_code)


def contract_create(*, by: User, provider: Provider, item: ServiceItem, price_fen: int, valid_from: dt.date,
                    valid_to: dt.date | None, document_no: str, division_code: str) -> Contract:
    _need(by, "homecare.configure")
    if not division_in_scope(by, division_code):
        raise Forbidden("采购方不在您的管辖范围内")
    if price_fen <= 0:
        raise ValidationFailed("合同单价须大于0", details={"price_fen": "合同单价须大于0"})
    if valid_to and valid_to < valid_from:
        raise ValidationFailed("终止日期早于起始日期", details={"valid_to": "终止日期早于起始日期"})
    return Contract.objects.create(provider=provider, item=item, price_fen=price_fen, valid_from=valid_from,
                                   valid_to=valid_to, document_no=document_no, division_code=division_code)


def contract_for(provider: Provider, item: ServiceItem, on: dt.date) -> Contract | None:
    return (Contract.objects.filter(provider=provider, item=item, valid_from__lte=on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on)).order_by("-valid_from").first())


def provider_serves(provider: Provider, division_code: str) -> bool:
    """Does one of the provider's areas contain the division (an area is a prefix: township or community)?"""
    return any(division_code.startswith(code) for code in provider.areas.values_list("division_code", flat=True))


def provider_load(provider: Provider, on: dt.date) -> int:
    return ServiceOrder.objects.filter(provider=provider, service_date=on).exclude(
        status=OrderStatus.CANCELLED).count()


def providers_for_order(order: ServiceOrder) -> list[tuple[Provider, Contract, int]]:
    """Providers that may take the order: serving the person's area, under contract for the item on the
    day, with room left that day; least loaded first."""
    found = []
    candidates = Provider.objects.filter(active=True, contracts__item=order.item).distinct().prefetch_related("areas")
    for provider in candidates:
        if not any(order.division_code.startswith(a.division_code) for a in provider.areas.all()):
            continue
        contract = contract_for(provider, order.item, order.service_date)
        if contract is None:
            continue
        load = provider_load(provider, order.service_date)
        if load >= provider.daily_capacity:
            continue
        found.append((provider, contract, load))
    return sorted(found, key=lambda t: (t[2] / max(t[0].daily_capacity, 1), t[0].pk))


# --------------------------------------------------------------------------- homes, calls, orders
def home_set(*, by: User, person: Person, latitude: Decimal, longitude: Decimal, note: str = "") -> HomeProfile:
    _need(by, "homecare.order")
    if not restrict(Person.objects.filter(pk=person.pk), by).exists():
        raise NotFound("老年人不存在或不在您的管辖范围内")
    profile, _created = HomeProfile.objects.update_or_create(
        person=person, defaults={"latitude": latitude, "longitude": longitude, "note": note,
                                 "division_code": person.division_code})
    return profile


def call_record(*, by: User, caller_name: str, asked: str, action_taken: str = "", caller_relation: str = "",
                caller_phone: str = "", person: Person | None = None, taken_at: dt.datetime | None = None) -> HotlineCall:
    _need(by, "homecare.order")
    masked = f"{caller_phone[:3]}******{caller_phone[-2:]}" if len(caller_phone) >= 7 else caller_phone
    division = person.division_code if person else (by.scope_prefix or "")
    return HotlineCall.objects.create(taken_at=taken_at or timezone.now(), taken_by=by, caller_name=caller_name,
                                      caller_relation=caller_relation, caller_phone_masked=masked, person=person,
                                      asked=asked, action_taken=action_taken, division_code=division)


def _item_valid(item: ServiceItem, on: dt.date) -> None:
    if item.valid_from > on or (item.valid_to and item.valid_to < on):
        raise ValidationFailed("该服务项目在服务日期不在有效期内", details={"item": "该服务项目在服务日期不在有效期内"})
    if not item.published:
        raise ValidationFailed("该服务项目尚未公开，不能下单", details={"item": "该服务项目尚未公开，不能下单"})


def order_create(*, by: User, person: Person, item: ServiceItem, service_date: dt.date, quantity: int = 1,
                 note: str = "", call: HotlineCall | None = None, plan: ServicePlan | None = None) -> ServiceOrder:
    _need(by, "homecare.order")
    if not restrict(Person.objects.filter(pk=person.pk), by).exists():
        raise NotFound("老年人不存在或不在您的管辖范围内")
    if person.status != "active":
        raise ValidationFailed("该老年人档案不是在册状态，不能下单", details={"person": "该老年人档案不是在册状态"})
    _item_valid(item, service_date)
    if quantity < 1 or quantity > 24:
        raise ValidationFailed("数量须在1到24之间", details={"quantity": "数量须在1到24之间"})
    source = OrderSource.HOTLINE if call else OrderSource.PLAN if plan else OrderSource.COMMUNITY
    order = ServiceOrder.objects.create(person=person, item=item, source=source, call=call, plan=plan,
                                        service_date=service_date, quantity=quantity, request_note=note,
                                        created_by=by, division_code=person.division_code)
    if call is not None and not call.person_id:
        call.person = person
        call.division_code = person.division_code
        call.save(update_fields=["person", "division_code", "updated_at"])
    return order


def _locked(order: ServiceOrder) -> ServiceOrder:
    return ServiceOrder.objects.select_for_update().select_related("item", "person").get(pk=order.pk)


def _status(order: ServiceOrder, *allowed: str) -> None:
    if order.status not in allowed:
        raise Conflict(f"工单当前状态为“{order.get_status_display()}”，不能进行此操作")


def order_dispatch(*, by: User, order: ServiceOrder, provider: Provider | None = None) -> ServiceOrder:
    """Send the order to a provider (the one given, or the least loaded that may take it); the price comes
    from the contract and the subsidy from the rule the person meets, capped at the price."""
    _need(by, "homecare.order")
    with transaction.atomic():
        order = _locked(order)
        _status(order, OrderStatus.REQUESTED)
        if provider is None:
            options = providers_for_order(order)
            if not options:
                raise ValidationFailed("没有服务该区域、签有该项目合同且当日仍有服务能力的服务商")
            provider, contract, _load = options[0]
        else:
            Provider.objects.select_for_update().get(pk=provider.pk)  # one dispatcher at a time per provider
            if not provider_serves(provider, order.division_code):
                raise ValidationFailed(f"老年人居住地不在“{provider.name}”的服务区域内",
                                       details={"provider": "老年人居住地不在该服务商的服务区域内"})
            found = contract_for(provider, order.item, order.service_date)
            if found is None:
                raise ValidationFailed(f"“{provider.name}”没有“{order.item.name}”在服务日期有效的服务合同",
                                       details={"provider": "该服务商没有此项目的有效合同"})
            contract = found
            if provider_load(provider, order.service_date) >= provider.daily_capacity:
                raise ValidationFailed(f"“{provider.name}”当日服务能力已满（{provider.daily_capacity}单）",
                                       details={"provider": "该服务商当日服务能力已满"})
        rule = subsidy_rule_for(order.person, order.item, order.service_date)
        if rule is not None and rule.subsidy_fen > order.item.price_fen:
            raise ValidationFailed("补贴规则的补贴高于项目标准价格，请先更正补贴规则")
        amount = contract.price_fen * order.quantity
        subsidy = min(rule.subsidy_fen * order.quantity, amount) if rule else 0
        order.provider, order.contract = provider, contract
        order.unit_price_fen, order.amount_fen, order.subsidy_fen, order.own_fen = (
            contract.price_fen, amount, subsidy, amount - subsidy)
        order.programme = rule.programme if rule else None
        order.status, order.dispatched_at = OrderStatus.DISPATCHED, timezone.now()
        order.save()
    return order


def _provider_side(by: User, order: ServiceOrder) -> None:
    _need(by, "homecare.serve")
    if order.provider is None or order.provider.organisation_id != by.organisation_id:
        raise NotFound("工单不存在")


def order_accept(*, by: User, order: ServiceOrder, carer: ProviderStaff | None = None) -> ServiceOrder:
    with transaction.atomic():
        order = _locked(order)
        _provider_side(by, order)
        _status(order, OrderStatus.DISPATCHED)
        if carer is None:
            carer = ProviderStaff.objects.filter(user=by, active=True).first()
        if carer is None or carer.provider_id != order.provider_id or not carer.active:
            raise ValidationFailed("请选择本服务商在岗的服务人员", details={"carer": "请选择本服务商在岗的服务人员"})
        order.carer, order.status, order.accepted_at = carer, OrderStatus.ACCEPTED, timezone.now()
        order.save()
    return order


def order_decline(*, by: User, order: ServiceOrder, reason: str) -> ServiceOrder:
    """The provider cannot take it: the order goes back to be dispatched again."""
    with transaction.atomic():
        order = _locked(order)
        _provider_side(by, order)
        _status(order, OrderStatus.DISPATCHED)
        order.provider = order.contract = order.programme = None
        order.unit_price_fen = order.amount_fen = order.subsidy_fen = order.own_fen = 0
        order.status, order.dispatched_at = OrderStatus.REQUESTED, None
        order.request_note = (order.request_note + f"（退单：{reason}）")[:300]
        order.save()
    return order


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Great-circle distance in metres (haversine)."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return int(round(2 * r * math.asin(math.sqrt(a))))


def _coords(lat: Any, lon: Any) -> tuple[Decimal, Decimal]:
    try:
        la, lo = Decimal(str(lat)), Decimal(str(lon))
    except Exception as exc:
        raise ValidationFailed("未取得有效的定位，请打开定位后重试") from exc
    if not (Decimal(-90) <= la <= Decimal(90) and Decimal(-180) <= lo <= Decimal(180)):
        raise ValidationFailed("未取得有效的定位，请打开定位后重试")
    return la.quantize(Decimal("0.000001")), lo.quantize(Decimal("0.000001"))


def order_check_in(*, by: User, order: ServiceOrder, latitude: Any, longitude: Any,
                   at: dt.datetime | None = None) -> ServiceOrder:
    """Arrival at the home. A check-in far from the person's home point is kept but flagged with the distance."""
    lat, lon = _coords(latitude, longitude)
    with transaction.atomic():
        order = _locked(order)
        _provider_side(by, order)
        _status(order, OrderStatus.ACCEPTED)
        home = HomeProfile.objects.filter(person_id=order.person_id).first()
        order.check_in_at, order.check_in_lat, order.check_in_lon = at or timezone.now(), lat, lon
        if home is None:
            order.check_in_distance_m, order.check_in_flagged = None, True
        else:
            d = distance_m(float(lat), float(lon), float(home.latitude), float(home.longitude))
            order.check_in_distance_m, order.check_in_flagged = d, d > checkin_radius_m()
        order.status = OrderStatus.IN_SERVICE
        order.save()
    return order


def order_check_out(*, by: User, order: ServiceOrder, latitude: Any, longitude: Any, work_done: str,
                    at: dt.datetime | None = None) -> ServiceOrder:
    """Leaving the home: refused before a check-in; the order is completed with what was done."""
    with transaction.atomic():
        order = _locked(order)
        _provider_side(by, order)
        if order.check_in_at is None:
            raise ValidationFailed("尚未签到，不能签退", details={"check_out": "尚未签到，不能签退"})
        _status(order, OrderStatus.IN_SERVICE)
        if not work_done.strip():
            raise ValidationFailed("请填写本次服务内容", details={"work_done": "请填写本次服务内容"})
        lat, lon = _coords(latitude, longitude)
        now = at or timezone.now()
        if now < order.check_in_at:
            raise ValidationFailed("签退时间早于签到时间")
        order.check_out_at, order.check_out_lat, order.check_out_lon = now, lat, lon
        order.work_done, order.completed_at, order.status = work_done.strip(), now, OrderStatus.COMPLETED
        order.save()
    return order


def order_rate(*, by: User, order: ServiceOrder, rating: int, comment: str, rated_by: str) -> ServiceOrder:
    """The older person or family rates the service (recorded by the community worker on a call-back, or
    on the carer's phone handed to them)."""
    if not (by.can("homecare.order") or by.can("homecare.serve")):
        raise Forbidden("您没有此项操作权限")
    if not 1 <= int(rating) <= 5:
        raise ValidationFailed("满意度为1到5星", details={"rating": "满意度为1到5星"})
    if not rated_by.strip():
        raise ValidationFailed("请填写评价人", details={"rated_by": "请填写评价人（老人本人或家属姓名）"})
    with transaction.atomic():
        order = _locked(order)
        if by.can("homecare.serve"):
            _provider_side(by, order)
        _status(order, OrderStatus.COMPLETED)
        order.rating, order.rating_comment, order.rated_by = int(rating), comment.strip(), rated_by.strip()
        order.rated_at, order.status = timezone.now(), OrderStatus.RATED
        order.save()
    return order


def order_cancel(*, by: User, order: ServiceOrder, reason: str) -> ServiceOrder:
    _need(by, "homecare.order")
    with transaction.atomic():
        order = _locked(order)
        _status(order, OrderStatus.REQUESTED, OrderStatus.DISPATCHED, OrderStatus.ACCEPTED)
        order.status, order.cancel_reason = OrderStatus.CANCELLED, reason[:200]
        order.save()
    return order


def complaint_create(*, by: User, order: ServiceOrder, complainant: str, content: str) -> Complaint:
    _need(by, "homecare.order")
    if not content.strip():
        raise ValidationFailed("请填写投诉内容", details={"content": "请填写投诉内容"})
    return Complaint.objects.create(order=order, received_at=timezone.now(), complainant=complainant,
                                    content=content.strip(), received_by=by, division_code=order.division_code)


def complaint_follow_up(*, by: User, complaint: Complaint, note: str, closes: bool) -> Complaint:
    if not (by.can("homecare.order") or by.can("homecare.serve")):
        raise Forbidden("您没有此项操作权限")
    if complaint.status == ComplaintStatus.CLOSED:
        raise Conflict("投诉已办结")
    if closes and not by.can("homecare.order"):
        raise Forbidden("投诉由受理的工作人员办结")
    ComplaintFollowUp.objects.create(complaint=complaint, by=by, note=note, closes=closes)
    complaint.status = ComplaintStatus.CLOSED if closes else ComplaintStatus.FOLLOWING
    complaint.save(update_fields=["status", "updated_at"])
    return complaint


# --------------------------------------------------------------------------- plans
def plan_create(*, by: User, person: Person, item: ServiceItem, weekday: int, valid_from: dt.date,
                valid_to: dt.date | None = None, quantity: int = 1, provider: Provider | None = None) -> ServicePlan:
    _need(by, "homecare.order")
    if not restrict(Person.objects.filter(pk=person.pk), by).exists():
        raise NotFound("老年人不存在或不在您的管辖范围内")
    if not 0 <= weekday <= 6:
        raise ValidationFailed("每周服务日无效", details={"weekday": "每周服务日无效"})
    return ServicePlan.objects.create(person=person, item=item, weekday=weekday, valid_from=valid_from,
                                      valid_to=valid_to, quantity=quantity, provider=provider, created_by=by,
                                      division_code=person.division_code)


def plans_generate(*, by: User, week_start: dt.date) -> int:
    """The week's orders of every active plan in the user's scope, in one INSERT … SELECT; a plan's order
    for a day exists once (unique constraint), so running it again adds nothing."""
    _need(by, "homecare.order")
    monday = week_start - dt.timedelta(days=week_start.weekday())
    prefix = by.scope_prefix or ""
    if not prefix:
        raise Forbidden("您没有此项操作权限")
    now = timezone.now()
    sql = f"""
        INSERT INTO {ServiceOrder._meta.db_table}
            (created_at, updated_at, version, person_id, item_id, source, plan_id, service_date, quantity,
             request_note, status, created_by_id, unit_price_fen, amount_fen, subsidy_fen, own_fen,
             check_in_flagged, work_done, rating_comment, rated_by, cancel_reason, division_code)
        SELECT %s, %s, 1, p.person_id, p.item_id, 'plan', p.id, %s, p.quantity,
               '', 'requested', %s, 0, 0, 0, 0, false, '', '', '', '', p.division_code
          FROM {ServicePlan._meta.db_table} p
          JOIN {ServiceItem._meta.db_table} i ON i.id = p.item_id AND i.published
          JOIN people_person pe ON pe.id = p.person_id AND pe.status = 'active'
         WHERE p.active AND p.weekday = %s AND p.division_code LIKE %s
           AND p.valid_from <= %s AND (p.valid_to IS NULL OR p.valid_to >= %s)
        ON CONFLICT DO NOTHING"""
    created = 0
    with connection.cursor() as cur:
        for weekday in range(7):  # one statement per weekday: the day is a parameter (portable SQL)
            day = monday + dt.timedelta(days=weekday)
            cur.execute(sql, [now, now, day, by.pk, weekday, prefix + "%", day, day])
            created += max(cur.rowcount, 0)
    audit_bulk(ServiceOrder, operation="plans_generate", count=created, division_code=prefix,
               params={"week": monday})
    return created


# --------------------------------------------------------------------------- settlement
_T_ORDER = ServiceOrder._meta.db_table
_T_SETTLEMENT = Settlement._meta.db_table
_T_LINE = SettlementLine._meta.db_table
_T_PROVIDER = Provider._meta.db_table


def settle(*, by: User, month: dt.date, provider_ids: list[int] | None = None) -> int:
    """Prepare the month's settlements, set-based: one settlement per provider with billable orders not yet
    billed, its lines copied from the orders in one INSERT … SELECT (an order already on a line is skipped,
    and the unique line.order refuses a double bill anyway), and totals from one aggregation.
    Returns the number of lines added."""
    _need(by, "homecare.settle")
    month = first_of_month(month)
    end = next_month(month)
    prefix = by.scope_prefix or ""
    if not prefix:
        raise Forbidden("您没有此项操作权限")
    now = timezone.now()
    only, only_params = "", []
    if provider_ids is not None:
        ids = [int(i) for i in provider_ids] or [0]
        only, only_params = f"AND o.provider_id IN ({', '.join(['%s'] * len(ids))})", ids
    with transaction.atomic():
        # One preparer at a time per provider: the provider rows are locked while their month is billed.
        locked = Provider.objects.select_for_update().filter(division_code__startswith=prefix)
        if provider_ids is not None:
            locked = locked.filter(pk__in=provider_ids)
        list(locked.values_list("pk", flat=True))
        with connection.cursor() as cur:
            cur.execute(f"""
                INSERT INTO {_T_SETTLEMENT} (created_at, updated_at, version, provider_id, month, status, prepared_by_id,
                                             prepared_at, approval_comment, line_count, amount_fen, subsidy_fen,
                                             own_fen, division_code)
                SELECT %s, %s, 1, pr.id, %s, 'prepared', %s, %s, '', 0, 0, 0, 0, pr.division_code
                  FROM {_T_PROVIDER} pr
                 WHERE pr.division_code LIKE %s
                   AND EXISTS (SELECT 1 FROM {_T_ORDER} o
                                WHERE o.provider_id = pr.id AND o.status IN ('completed', 'rated')
                                  AND o.service_date >= %s AND o.service_date < %s {only}
                                  AND NOT EXISTS (SELECT 1 FROM {_T_LINE} l WHERE l.order_id = o.id))
                ON CONFLICT DO NOTHING""",
                        [now, now, month, by.pk, now, prefix + "%", month, end, *only_params])
            cur.execute(f"""
                INSERT INTO {_T_LINE} (settlement_id, order_id, service_date, item_id_copy, quantity, amount_fen,
                                       subsidy_fen, own_fen, programme_id_copy, division_code)
                SELECT s.id, o.id, o.service_date, o.item_id, o.quantity, o.amount_fen, o.subsidy_fen, o.own_fen,
                       o.programme_id, o.division_code
                  FROM {_T_ORDER} o
                  JOIN {_T_SETTLEMENT} s ON s.provider_id = o.provider_id AND s.month = %s AND s.status = 'prepared'
                 WHERE o.status IN ('completed', 'rated') AND o.service_date >= %s AND o.service_date < %s
                   AND s.division_code LIKE %s {only}
                ON CONFLICT DO NOTHING""", [month, month, end, prefix + "%", *only_params])
            added = max(cur.rowcount, 0)
            # Totals from one aggregation of the lines, written to the (few hundred) settlements.
            cur.execute(f"""
                SELECT l.settlement_id, count(*), sum(l.amount_fen), sum(l.subsidy_fen), sum(l.own_fen)
                  FROM {_T_LINE} l JOIN {_T_SETTLEMENT} s ON s.id = l.settlement_id
                 WHERE s.month = %s AND s.status = 'prepared' AND s.division_code LIKE %s
                 GROUP BY l.settlement_id""", [month, prefix + "%"])
            totals = cur.fetchall()
            cur.executemany(f"UPDATE {_T_SETTLEMENT} SET line_count = %s, amount_fen = %s, subsidy_fen = %s, "
                            "own_fen = %s, updated_at = %s WHERE id = %s",
                            [(n, amount, subsidy, own, now, sid) for sid, n, amount, subsidy, own in totals])
    audit_bulk(SettlementLine, operation="settle", count=added, division_code=prefix,
               params={"month": month, "providers": provider_ids or "all"})
    return added


def settlement_prepare(*, by: User, provider: Provider, month: dt.date) -> Settlement:
    added = settle(by=by, month=month, provider_ids=[provider.pk])
    settlement = Settlement.objects.filter(provider=provider, month=first_of_month(month)).exclude(
        status=SettlementStatus.CANCELLED).first()
    if settlement is None or (added == 0 and settlement.line_count == 0):
        raise ValidationFailed("该服务商本月没有可结算的已完成工单")
    return settlement


def settlement_approve(*, by: User, settlement: Settlement, comment: str) -> Settlement:
    """The second signature: a different person from the preparer (the database refuses the same one)."""
    _need(by, "homecare.approve")
    with transaction.atomic():
        settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if settlement.status != SettlementStatus.PREPARED:
            raise Conflict(f"结算单当前状态为“{settlement.get_status_display()}”，不能审核")
        if settlement.prepared_by_id == by.pk:
            raise Forbidden("制单人不能复核自己制作的结算单，请由另一位工作人员复核")
        settlement.status, settlement.approved_by, settlement.approved_at = SettlementStatus.APPROVED, by, timezone.now()
        settlement.approval_comment = comment[:500]
        settlement.save()
    return settlement


def settlement_cancel(*, by: User, settlement: Settlement, reason: str) -> Settlement:
    """A prepared settlement is withdrawn: its lines go, so the orders can be billed again."""
    _need(by, "homecare.settle")
    with transaction.atomic():
        settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if settlement.status != SettlementStatus.PREPARED:
            raise Conflict("只有待复核的结算单可以作废")
        SettlementLine.objects.filter(settlement=settlement).delete()
        settlement.status, settlement.approval_comment = SettlementStatus.CANCELLED, reason[:500]
        settlement.line_count = settlement.amount_fen = settlement.subsidy_fen = settlement.own_fen = 0
        settlement.save()
    return settlement


# --------------------------------------------------------------------------- facilities
def facility_save(*, by: User, data: dict[str, Any], served: list[str], facility: Facility | None = None) -> Facility:
    _need(by, "homecare.configure")
    if not division_in_scope(by, data["division_code"]):
        raise Forbidden("设施所在地不在您的管辖范围内")
    outside = [c for c in served if not division_in_scope(by, c)]
    if outside:
        raise Forbidden("服务的村（社区）不在您的管辖范围内")
    with transaction.atomic():
        if facility is None:
            facility = Facility(**data)
        else:
            for key, value in data.items():
                setattr(facility, key, value)
        facility.offers_day_care = facility.kind == "day_care" or "day_care" in (facility.functions or [])
        facility.save()
        codes = set(served) | {facility.division_code}
        FacilityCommunity.objects.filter(facility=facility).exclude(division_code__in=codes).delete()
        for code in sorted(codes):
            FacilityCommunity.objects.get_or_create(facility=facility, division_code=code)
    return facility


# --------------------------------------------------------------------------- meals
def meal_topup(*, by: User, person: Person, amount_fen: int) -> MealAccount:
    _need(by, "homecare.meals")
    if amount_fen <= 0 or amount_fen > 100000:
        raise ValidationFailed("充值金额须在0.01到1000元之间", details={"amount": "充值金额须在0.01到1000元之间"})
    with transaction.atomic():
        account, _c = MealAccount.objects.select_for_update().get_or_create(
            person=person, defaults={"division_code": person.division_code})
        account.balance_fen += amount_fen
        account.save()
    return account


def meal_serve(*, by: User, facility: Facility, person: Person, day: dt.date, meal: str, pay_method: str,
               delivered: bool = False) -> Meal:
    """A meal at the counter: the price of the facility's meal item, the subsidy of the rule the person meets,
    the rest paid from the meal card (refused when short) or in cash; one lunch and one dinner a day."""
    _need(by, "homecare.meals")
    if facility.meal_item is None:
        raise ValidationFailed("该设施未设置助餐项目，不能登记就餐")
    if by.role == Role.SERVICE_PROVIDER and facility.operator_id != by.organisation_id:
        raise Forbidden("只能在本机构运营的助餐点登记就餐")
    if day > timezone.localdate():
        raise ValidationFailed("就餐日期不能晚于今天", details={"day": "就餐日期不能晚于今天"})
    item = facility.meal_item
    rule = subsidy_rule_for(person, item, day)
    subsidy = min(rule.subsidy_fen, item.price_fen) if rule else 0
    paid = item.price_fen - subsidy
    with transaction.atomic():
        if Meal.objects.filter(person=person, day=day, meal=meal).exists():
            raise Conflict("该老人当天此餐次已登记就餐")
        balance_after = None
        if pay_method == PayMethod.BALANCE:
            account = MealAccount.objects.select_for_update().filter(person=person).first()
            if account is None or account.balance_fen < paid:
                have = account.balance_fen if account else 0
                raise ValidationFailed(f"餐卡余额不足：应付 ¥{paid / 100:.2f}，余额 ¥{have / 100:.2f}",
                                       details={"pay_method": "餐卡余额不足"})
            account.balance_fen -= paid
            account.save()
            balance_after = account.balance_fen
        return Meal.objects.create(facility=facility, person=person, day=day, meal=meal, delivered=delivered,
                                   price_fen=item.price_fen, subsidy_fen=subsidy, paid_fen=paid, pay_method=pay_method,
                                   balance_after_fen=balance_after, programme=rule.programme if rule else None,
                                   recorded_by=by, division_code=person.division_code)


BILLABLE_STATUSES = BILLABLE
