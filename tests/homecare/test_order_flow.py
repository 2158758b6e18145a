"""A family calls the hotline for a bath; the community worker creates the order; the carer accepts, checks in
and out; the family rates it. And every refusal the issue lists, with its reason."""

import datetime as dt
from decimal import Decimal

import pytest

from yanglao.core.errors import Conflict, NotFound, ValidationFailed
from yanglao.homecare import services
from yanglao.homecare.models import ServiceOrder

from .conftest import DAY, HOME, complete


def test_hotline_bath_goes_from_call_to_rating(community_worker, person, bath, provider, carer_user):
    call = services.call_record(by=community_worker, caller_name="黄小明", caller_relation="儿子",
                                caller_phone="13812345678", asked="母亲行动不便，需要上门助浴", action_taken="已登记助浴工单")
    assert call.caller_phone_masked == "138******78"
    order = services.order_create(by=community_worker, person=person, item=bath, service_date=DAY, call=call)
    assert order.source == "hotline" and order.status == "requested"
    order = complete(order, carer_user, community_worker)
    assert order.status == "completed" and order.check_in_distance_m == 0 and not order.check_in_flagged
    # contract price 75.00, 特困 subsidy 60.00, own part 15.00, paid from 居家养老服务补贴
    assert (order.amount_fen, order.subsidy_fen, order.own_fen) == (7500, 6000, 1500)
    assert order.programme.code == "jujia"
    order = services.order_rate(by=community_worker, order=order, rating=5, comment="很细心", rated_by="黄小明")
    assert order.status == "rated" and order.rating == 5


def test_person_without_category_pays_all(community_worker, new_person, bath, provider, carer_user):
    other = new_person(name="陈伯")
    o = services.order_create(by=community_worker, person=other, item=bath, service_date=DAY)
    o = services.order_dispatch(by=community_worker, order=o)
    assert (o.amount_fen, o.subsidy_fen, o.own_fen, o.programme) == (7500, 0, 7500, None)


def test_check_out_before_check_in_is_refused(order, community_worker, carer_user):
    services.order_dispatch(by=community_worker, order=order)
    services.order_accept(by=carer_user, order=order)
    with pytest.raises(ValidationFailed, match="尚未签到，不能签退"):
        services.order_check_out(by=carer_user, order=order, latitude=HOME[0], longitude=HOME[1], work_done="x")
    order.refresh_from_db()
    assert order.status == "accepted" and order.check_out_at is None


def test_check_out_before_check_in_is_refused_by_the_database(order):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceOrder.objects.filter(pk=order.pk).update(check_out_at=timezone.now())


def test_check_in_far_from_home_is_flagged_with_the_distance(order, community_worker, carer_user):
    services.order_dispatch(by=community_worker, order=order)
    services.order_accept(by=carer_user, order=order)
    # about 1.1 km north of the home point
    o = services.order_check_in(by=carer_user, order=order, latitude=HOME[0] + Decimal("0.01"), longitude=HOME[1])
    assert o.check_in_flagged and 1100 <= o.check_in_distance_m <= 1120
    assert o.status == "in_service"  # kept, flagged, not silently accepted


def test_check_in_without_a_location_is_refused(order, community_worker, carer_user):
    services.order_dispatch(by=community_worker, order=order)
    services.order_accept(by=carer_user, order=order)
    with pytest.raises(ValidationFailed, match="定位"):
        services.order_check_in(by=carer_user, order=order, latitude="", longitude="")


def test_person_outside_the_providers_area_is_refused(community_worker, new_person, bath, jiangcheng):
    # the provider serves 441702003 only; the person lives in 北门社区 (441702001001)
    p = services.provider_create(by=jiangcheng, name="城西服务部", division_code="441702003", areas=["441702003"])
    services.contract_create(by=jiangcheng, provider=p, item=bath, price_fen=7000, valid_from=dt.date(2026, 1, 1),
                             valid_to=None, document_no="C2", division_code="441702")
    o = services.order_create(by=community_worker, person=new_person(name="梁婆"), item=bath, service_date=DAY)
    with pytest.raises(ValidationFailed, match="不在“城西服务部”的服务区域内"):
        services.order_dispatch(by=community_worker, order=o, provider=p)


def test_item_without_contract_is_refused(community_worker, person, jiangcheng, provider, programme):
    clean = services.item_create(by=jiangcheng, data={"code": "ZJ-01", "name": "助洁", "kind": "cleaning", "unit": "hour",
                                                      "price_fen": 3000, "valid_from": dt.date(2026, 1, 1)})
    services.item_publish(by=jiangcheng, item=clean, published=True)
    o = services.order_create(by=community_worker, person=person, item=clean, service_date=DAY)
    with pytest.raises(ValidationFailed, match="没有“助洁”在服务日期有效的服务合同"):
        services.order_dispatch(by=community_worker, order=o, provider=provider)
    with pytest.raises(ValidationFailed, match="没有服务该区域、签有该项目合同"):
        services.order_dispatch(by=community_worker, order=o)


def test_subsidy_above_the_catalogue_price_is_refused(jiangcheng, bath, programme):
    with pytest.raises(ValidationFailed, match="高于项目标准价格"):
        services.rule_create(by=jiangcheng, item=bath, data={"programme": programme, "category": "", "subsidy_fen": 8001,
                                                             "valid_from": dt.date(2026, 1, 1)})


def test_full_capacity_sends_no_more_orders(community_worker, person, bath, provider, carer_user):
    for _ in range(provider.daily_capacity):
        services.order_dispatch(by=community_worker, order=services.order_create(
            by=community_worker, person=person, item=bath, service_date=DAY))
    extra = services.order_create(by=community_worker, person=person, item=bath, service_date=DAY)
    with pytest.raises(ValidationFailed, match="服务能力已满"):
        services.order_dispatch(by=community_worker, order=extra, provider=provider)


def test_another_provider_cannot_touch_the_order(order, community_worker, other_provider_user):
    services.order_dispatch(by=community_worker, order=order)
    with pytest.raises(NotFound):
        services.order_accept(by=other_provider_user, order=order)


def test_declined_order_goes_back_to_dispatch(order, community_worker, carer_user):
    services.order_dispatch(by=community_worker, order=order)
    o = services.order_decline(by=carer_user, order=order, reason="当日人手不足")
    assert o.status == "requested" and o.provider is None and o.amount_fen == 0


def test_rating_before_completion_is_refused(order, community_worker):
    with pytest.raises(Conflict):
        services.order_rate(by=community_worker, order=order, rating=4, comment="", rated_by="家属")


def test_unpublished_item_cannot_be_ordered(community_worker, person, jiangcheng):
    item = services.item_create(by=jiangcheng, data={"code": "X-1", "name": "助医", "kind": "medical", "unit": "visit",
                                                     "price_fen": 5000, "valid_from": dt.date(2026, 1, 1)})
    with pytest.raises(ValidationFailed, match="尚未公开"):
        services.order_create(by=community_worker, person=person, item=item, service_date=DAY)


def test_plan_generates_a_weeks_orders_once(community_worker, person, bath):
    services.plan_create(by=community_worker, person=person, item=bath, weekday=2, valid_from=dt.date(2026, 11, 1))
    monday = dt.date(2026, 11, 23)
    assert services.plans_generate(by=community_worker, week_start=monday) == 1
    assert services.plans_generate(by=community_worker, week_start=monday) == 0
    o = ServiceOrder.objects.get(source="plan")
    assert o.service_date == dt.date(2026, 11, 25) and o.status == "requested"


def test_complaint_is_followed_up_and_closed(order, community_worker, carer_user):
    c = services.complaint_create(by=community_worker, order=order, complainant="黄小明", content="迟到一小时")
    services.complaint_follow_up(by=carer_user, complaint=c, note="已向家属道歉，调整排班", closes=False)
    assert c.status == "following"
    services.complaint_follow_up(by=community_worker, complaint=c, note="家属表示满意", closes=True)
    assert c.status == "closed"
