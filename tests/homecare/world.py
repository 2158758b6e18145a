"""Records of every kind a homecare route takes as a parameter (used by tests/core/test_gets_change_nothing.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any


def homecare_world(*, county: Any, checker: Any, person: Any) -> dict[str, Any]:
    from yanglao.benefits.models import Programme
    from yanglao.core.roles import Role
    from yanglao.core.testing import make_user
    from yanglao.homecare import services

    programme = Programme.objects.create(code="jujia-world", name="居家养老服务补贴", kind="subsidy", legal_basis="测试")
    item = services.item_create(by=county, data={"code": "W-1", "name": "上门助浴", "kind": "bathing", "unit": "visit",
                                                 "price_fen": 8000, "valid_from": dt.date(2026, 1, 1)})
    services.item_publish(by=county, item=item, published=True)
    services.rule_create(by=county, item=item, data={"programme": programme, "category": "", "subsidy_fen": 3000,
                                                     "valid_from": dt.date(2026, 1, 1)})
    provider = services.provider_create(by=county, name="康乐居家", division_code="441702002", areas=["441702"])
    services.contract_create(by=county, provider=provider, item=item, price_fen=8000, valid_from=dt.date(2026, 1, 1),
                             valid_to=None, document_no="W", division_code="441702")
    carer = make_user(Role.SERVICE_PROVIDER, "", username="provider-world", organisation=provider.organisation)
    services.staff_add(by=county, provider=provider, name="关国栋", skill_level="4", user=carer)
    services.home_set(by=county, person=person, latitude=Decimal("21.858"), longitude=Decimal("111.982"))
    order = services.order_create(by=county, person=person, item=item, service_date=dt.date(2026, 10, 5))
    services.order_dispatch(by=county, order=order)
    services.order_accept(by=carer, order=order)
    services.order_check_in(by=carer, order=order, latitude="21.858", longitude="111.982")
    services.order_check_out(by=carer, order=order, latitude="21.858", longitude="111.982", work_done="助浴")
    complaint = services.complaint_create(by=county, order=order, complainant="家属", content="迟到")
    settlement = services.settlement_prepare(by=county, provider=provider, month=dt.date(2026, 10, 1))
    meal_item = services.item_create(by=county, data={"code": "W-2", "name": "午餐", "kind": "meal", "unit": "meal",
                                                      "price_fen": 1200, "valid_from": dt.date(2026, 1, 1)})
    canteen = services.facility_save(by=county, served=[], data={
        "name": "北门长者饭堂", "kind": "canteen", "functions": ["meals"], "division_code": "441702001001",
        "meal_item": meal_item})
    meal = services.meal_serve(by=county, facility=canteen, person=person, day=dt.date(2026, 10, 5), meal="lunch",
                               pay_method="cash")
    return {"homecare/catalogue/": item.pk, "homecare/providers/": provider.pk, "homecare/orders/": order.pk,
            "homecare/mine/": order.pk, "homecare/homes/": person.pk, "homecare/complaints/": complaint.pk,
            "homecare/settlements/": settlement.pk, "homecare/meals/": meal.pk, "homecare/items/": item.pk}
