"""Scope and pages: a provider sees only its own orders and staff; every page of the module opens for the
roles that have it; the API is scoped and audited; the carer's check-in works through the phone page."""

import datetime as dt

import pytest

from yanglao.core.models import AuditEntry
from yanglao.core.testing import api_client, assert_jurisdiction_scoped, page_client
from yanglao.homecare import services
from yanglao.homecare.models import ServiceOrder

from .conftest import DAY, HOME, complete


def test_orders_are_scoped_to_the_jurisdiction(order):
    assert_jurisdiction_scoped(division_code=order.division_code, list_url="/api/v1/homecare/orders/",
                               detail_url=f"/api/v1/homecare/orders/{order.pk}/", marker="黄秀英")
    assert_jurisdiction_scoped(division_code=order.division_code, list_url="/homecare/orders/", marker="黄秀英",
                               api=False, extra_get_urls=(f"/homecare/orders/{order.pk}/",))


def test_provider_sees_only_its_own_orders_and_staff(order, community_worker, carer_user, other_provider_user,
                                                     provider):
    services.order_dispatch(by=community_worker, order=order)
    mine = api_client(carer_user).get("/api/v1/homecare/orders/").json()
    assert [r["id"] for r in mine["results"]] == [order.pk]
    theirs = api_client(other_provider_user).get("/api/v1/homecare/orders/").json()
    assert theirs["results"] == []
    assert api_client(other_provider_user).get(f"/api/v1/homecare/orders/{order.pk}/").status_code == 404
    other = page_client(other_provider_user)
    assert other.get(f"/homecare/providers/{provider.pk}/").status_code == 404
    assert "关国栋" not in other.get("/homecare/providers/").content.decode()
    assert "关国栋" in page_client(carer_user).get(f"/homecare/providers/{provider.pk}/").content.decode()


def test_order_list_and_record_views_are_audited(order, jiangcheng):
    before = AuditEntry.objects.count()
    api_client(jiangcheng).get("/api/v1/homecare/orders/")
    api_client(jiangcheng).get(f"/api/v1/homecare/orders/{order.pk}/")
    assert AuditEntry.objects.count() >= before + 2


def test_api_runs_the_order_to_rating(community_worker, person, bath, provider, carer_user):
    worker, carer = api_client(community_worker), api_client(carer_user)
    got = worker.post("/api/v1/homecare/orders/", {"person": person.pk, "item": bath.pk, "service_date": "2026-11-20"},
                      content_type="application/json")
    assert got.status_code == 201, got.content
    pk = got.json()["id"]
    assert worker.post(f"/api/v1/homecare/orders/{pk}/dispatch/", {}, content_type="application/json").status_code == 200
    assert carer.post(f"/api/v1/homecare/orders/{pk}/accept/").status_code == 200
    early = carer.post(f"/api/v1/homecare/orders/{pk}/check-out/", {"latitude": "21.858", "longitude": "111.982",
                                                                   "work_done": "x"}, content_type="application/json")
    assert early.status_code == 400 and "尚未签到" in early.content.decode()
    far = carer.post(f"/api/v1/homecare/orders/{pk}/check-in/", {"latitude": "21.868", "longitude": "111.982"},
                     content_type="application/json")
    assert far.status_code == 200 and far.json()["check_in_flagged"] and far.json()["check_in_distance_m"] > 1000
    done = carer.post(f"/api/v1/homecare/orders/{pk}/check-out/", {"latitude": "21.858", "longitude": "111.982",
                                                                  "work_done": "助浴"}, content_type="application/json")
    assert done.json()["status"] == "completed"
    rated = worker.post(f"/api/v1/homecare/orders/{pk}/rate/", {"rating": 4, "rated_by": "儿子"},
                        content_type="application/json")
    assert rated.json()["status"] == "rated"


def test_phone_page_checks_in_and_out(order, community_worker, carer_user):
    services.order_dispatch(by=community_worker, order=order)
    client = page_client(carer_user)
    url = f"/homecare/mine/{order.pk}/"
    assert client.post(f"/homecare/orders/{order.pk}/accept/", {"next": "serve"}).status_code == 302
    assert client.post(url, {"action": "check_out", "latitude": "21.858", "longitude": "111.982",
                             "work_done": "x"}).status_code == 302
    order.refresh_from_db()
    assert order.status == "accepted"  # refused before check-in
    client.post(url, {"action": "check_in", "latitude": str(HOME[0]), "longitude": str(HOME[1])})
    client.post(url, {"action": "check_out", "latitude": str(HOME[0]), "longitude": str(HOME[1]),
                      "work_done": "协助洗澡"})
    order.refresh_from_db()
    assert order.status == "completed" and order.work_done == "协助洗澡"
    assert "请老人或家属评价" in client.get(url).content.decode()


PAGES = ["/homecare/", "/homecare/catalogue/", "/homecare/providers/", "/homecare/orders/", "/homecare/complaints/",
         "/homecare/settlements/", "/homecare/facilities/", "/homecare/coverage/"]


@pytest.mark.parametrize("who", ["jiangcheng", "community_worker", "city_admin", "auditor"])
def test_every_page_opens_for_staff(who, request, order, bath, provider):
    user = request.getfixturevalue(who)
    client = page_client(user)
    extra = [f"/homecare/catalogue/{bath.pk}/", f"/homecare/providers/{provider.pk}/"]
    if user.can("homecare.order"):
        extra += ["/homecare/orders/new/", "/homecare/hotline/", "/homecare/plans/", "/homecare/meals/",
                  f"/homecare/homes/{order.person_id}/"]
    if user.can("homecare.configure"):
        extra += ["/homecare/catalogue/new/", "/homecare/providers/new/", "/homecare/facilities/new/"]
    for url in PAGES + extra:
        if url == f"/homecare/providers/{provider.pk}/" and not user.scope_prefix.startswith("441702") \
                and not "441702".startswith(user.scope_prefix):
            continue
        got = client.get(url)
        assert got.status_code == 200, (url, got.status_code)


def test_provider_pages_open(order, community_worker, carer_user):
    services.order_dispatch(by=community_worker, order=order)
    client = page_client(carer_user)
    for url in ["/homecare/", "/homecare/mine/", f"/homecare/mine/{order.pk}/", f"/homecare/orders/{order.pk}/",
                "/homecare/orders/", "/homecare/settlements/", "/homecare/complaints/"]:
        assert client.get(url).status_code == 200, url
    assert client.get("/homecare/hotline/").status_code == 403


def test_public_catalogue_shows_published_items_only(bath, jiangcheng):
    services.item_create(by=jiangcheng, data={"code": "D-1", "name": "草稿项目", "kind": "comfort", "unit": "hour",
                                              "price_fen": 100, "valid_from": dt.date(2026, 1, 1)})
    from django.test import Client

    page = Client().get("/public/homecare/").content.decode()
    assert "上门助浴" in page and "¥80.00" in page and "¥60.00" in page and "草稿项目" not in page


def test_workbench_shows_orders_to_dispatch_and_settlements_to_approve(order, community_worker, carer_user,
                                                                       jiangcheng, county_checker, provider):
    from yanglao.core.todos import todo_list

    assert "homecare.to_dispatch" in [t.key for t in todo_list(community_worker)]
    complete(order, carer_user, community_worker)
    services.settlement_prepare(by=jiangcheng, provider=provider, month=DAY.replace(day=1))
    assert "homecare.settlements" in [t.key for t in todo_list(county_checker)]
    assert "homecare.settlements" not in [t.key for t in todo_list(jiangcheng)]  # not their own


def test_generated_orders_count_as_plan_orders(community_worker, person, bath):
    services.plan_create(by=community_worker, person=person, item=bath, weekday=0, valid_from=dt.date(2026, 11, 1))
    services.plans_generate(by=community_worker, week_start=dt.date(2026, 11, 30))
    assert ServiceOrder.objects.filter(source="plan", service_date=dt.date(2026, 11, 30)).count() == 1
