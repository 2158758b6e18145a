"""Fixtures of home and community care: a published bath item with a subsidy rule for 特困 people, a provider
serving 南恩街道 under contract, its carer account, and an older person at a known home point."""

import datetime as dt
from decimal import Decimal

import pytest

from yanglao.benefits.models import Programme
from yanglao.core.models import Organisation
from yanglao.core.roles import Role
from yanglao.core.testing import make_user
from yanglao.homecare import services
from yanglao.people.models import PersonCategory

DAY = dt.date(2026, 11, 20)
HOME = (Decimal("21.858000"), Decimal("111.982000"))


@pytest.fixture
def community_worker(divisions):
    return make_user(Role.COMMUNITY_WORKER, "441702001001", username="beimen")


@pytest.fixture
def county_checker(divisions):
    return make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng2")


@pytest.fixture
def programme(db):
    return Programme.objects.create(code="jujia", name="居家养老服务补贴", kind="subsidy", legal_basis="阳民〔2026〕9号")


@pytest.fixture
def bath(jiangcheng, programme):
    item = services.item_create(by=jiangcheng, data={"code": "ZY-01", "name": "上门助浴", "kind": "bathing",
                                                     "unit": "visit", "price_fen": 8000, "valid_from": dt.date(2026, 1, 1),
                                                     "valid_to": None, "content": "洗澡、更衣", "document_no": "阳民〔2026〕9号"})
    services.item_publish(by=jiangcheng, item=item, published=True)
    services.rule_create(by=jiangcheng, item=item, data={"programme": programme, "category": "tekun",
                                                         "min_care_level": None, "max_care_level": None,
                                                         "subsidy_fen": 6000, "valid_from": dt.date(2026, 1, 1),
                                                         "valid_to": None, "note": ""})
    return item


@pytest.fixture
def provider(jiangcheng, bath):
    p = services.provider_create(by=jiangcheng, name="阳江市康乐居家养老服务中心", division_code="441702002",
                                 areas=["441702001"], daily_capacity=5)
    services.contract_create(by=jiangcheng, provider=p, item=bath, price_fen=7500, valid_from=dt.date(2026, 1, 1),
                             valid_to=None, document_no="JC-2026-001", division_code="441702")
    return p


@pytest.fixture
def carer_user(provider):
    user = make_user(Role.SERVICE_PROVIDER, "", username="provider", organisation=provider.organisation)
    services.staff_add(by=user, provider=provider, name="关国栋", skill_level="4", phone="13900001111", user=user)
    return user


@pytest.fixture
def other_provider_user(jiangcheng, bath):
    p = services.provider_create(by=jiangcheng, name="阳江市安康护理服务部", division_code="441702003",
                                 areas=["441702003"])
    return make_user(Role.SERVICE_PROVIDER, "", username="provider2", organisation=p.organisation)


@pytest.fixture
def person(new_person, community_worker):
    p = new_person(name="黄秀英")
    PersonCategory.objects.create(person=p, category="tekun", valid_from=dt.date(2020, 1, 1),
                                  division_code=p.division_code)
    services.home_set(by=community_worker, person=p, latitude=HOME[0], longitude=HOME[1])
    return p


@pytest.fixture
def order(community_worker, person, bath, provider, carer_user):
    return services.order_create(by=community_worker, person=person, item=bath, service_date=DAY)


def complete(order, by, community_worker, provider=None):
    order = services.order_dispatch(by=community_worker, order=order, provider=provider)
    order = services.order_accept(by=by, order=order)
    order = services.order_check_in(by=by, order=order, latitude=HOME[0], longitude=HOME[1])
    return services.order_check_out(by=by, order=order, latitude=HOME[0], longitude=HOME[1], work_done="协助洗澡、更衣")


__all__ = ["Organisation"]
