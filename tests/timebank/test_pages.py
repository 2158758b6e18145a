"""The time bank's pages: the earning path through the console, the public lookup with its verification
step and rate limit, recognition with masked names, scope and capabilities."""

import datetime as dt

import pytest
from django.test import Client

from tests.timebank.conftest import serve
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client
from yanglao.timebank.models import Member, ServiceRequest

pytestmark = pytest.mark.django_db


def test_staff_walk_a_service_from_request_to_deposit_in_the_console(jiangcheng, make_member, elder):
    old, volunteer = elder(), make_member(name="李志明")
    page = page_client(jiangcheng)
    got = page.post("/timebank/requests/new/", {"elder": old.pk, "service_type": "meal", "scheduled_on": "2026-11-28",
                                                "description": "送午餐"})
    req = ServiceRequest.objects.get()
    assert got.status_code == 302 and got["Location"] == f"/timebank/requests/{req.pk}/"
    assert page.post(f"/timebank/requests/{req.pk}/take/", {"volunteer": volunteer.pk}).status_code == 302
    assert page.post(f"/timebank/requests/{req.pk}/done/", {"minutes": "75"}).status_code == 302
    shown = page.get(f"/timebank/requests/{req.pk}/verify/")
    assert shown.status_code == 200 and "确认并存入" in shown.content.decode()
    assert page.post(f"/timebank/requests/{req.pk}/verify/", {"verified_by": "elder", "comment": "老人电话确认"}).status_code == 302
    req.refresh_from_db()
    assert req.status == "verified" and req.minutes_deposited == 75
    detail = page.get(f"/timebank/members/{volunteer.pk}/").content.decode()
    assert "1小时15分" in detail and volunteer.id_number_masked in detail


def test_a_redemption_larger_than_the_balance_keeps_the_form_with_the_reason(jiangcheng, make_member, elder):
    old = elder()
    page = page_client(jiangcheng)
    got = page.post(f"/timebank/members/{old.pk}/move/redeem/", {"hours": "2", "minutes": "0"})
    assert got.status_code == 200 and "余额不足" in got.content.decode()


def test_a_bad_id_number_keeps_the_member_form_with_the_message_on_the_field(jiangcheng, scheme):
    page = page_client(jiangcheng)
    got = page.post("/timebank/members/new/", {"kind": "volunteer", "name": "张三", "id_number": "441702199001011234",
                                               "division_code": "北门社区"})
    assert got.status_code == 200 and 'data-testid="error-id_number"' in got.content.decode()
    assert not Member.objects.exists()


def test_registering_a_member_shows_the_query_code_once(jiangcheng, scheme):
    from tests.conftest import make_id

    page = page_client(jiangcheng)
    got = page.post("/timebank/members/new/", {"kind": "volunteer", "name": "张晓明", "division_code": "北门社区",
                                               "id_number": make_id(birth="19900101", seq="321")}, follow=True)
    assert "会员卡查询码" in got.content.decode()
    assert not Member.objects.filter(lookup_code_hash="").exists()


def test_the_public_page_shows_a_member_their_balance_only_with_the_card_reference_and_last4(jiangcheng, make_member,
                                                                                             elder):
    volunteer = make_member(name="张晓明")
    serve(jiangcheng, elder(), volunteer, minutes=120)
    client = Client()
    good = client.post("/public/lookup/", {"kind": "timebank", "reference": volunteer.public_ref,
                                           "factor": volunteer.id_last4})
    text = good.content.decode()
    assert good.status_code == 200 and 'data-testid="lookup-balance"' in text and "2小时" in text
    assert "张*明" in text and "张晓明" not in text and volunteer.id_number_masked not in text
    wrong = client.post("/public/lookup/", {"kind": "timebank", "reference": volunteer.number, "factor": volunteer.id_last4})
    assert 'data-testid="lookup-none"' in wrong.content.decode() and "lookup-balance" not in wrong.content.decode()


def test_the_public_lookup_is_rate_limited(jiangcheng, make_member):
    volunteer = make_member()
    client = Client()
    codes = [client.post("/public/lookup/", {"kind": "timebank", "reference": volunteer.public_ref,
                                             "factor": "0000"}).status_code for _ in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429


def test_the_public_leaderboard_shows_masked_names_by_community(jiangcheng, make_member, elder):
    serve(jiangcheng, elder(), make_member(name="陈国强"), minutes=90)
    text = Client().get("/public/timebank/").content.decode()
    assert "陈*强" in text and "陈国强" not in text and "北门社区" in text


def test_another_countys_member_is_a_404(jiangcheng, yangxi, make_member):
    volunteer = make_member()
    assert page_client(yangxi).get(f"/timebank/members/{volunteer.pk}/").status_code == 404
    assert page_client(jiangcheng).get(f"/timebank/members/{volunteer.pk}/").status_code == 200


def test_an_institution_operator_has_no_time_bank_menu_or_pages(divisions):
    from yanglao.core.models import Organisation

    org = Organisation.objects.create(name="福利中心运营公司", kind="institution", division_code="441702001")
    operator = make_user(Role.INSTITUTION_OPERATOR, "", organisation=org)
    page = page_client(operator)
    assert page.get("/timebank/").status_code == 403
    assert 'data-nav="timebank"' not in page.get("/").content.decode()


def test_the_ledger_page_shows_the_check_to_the_city(city_admin, jiangcheng, make_member, elder):
    serve(jiangcheng, elder(), make_member(), minutes=30)
    text = page_client(city_admin).get("/timebank/ledger/").content.decode()
    assert 'data-testid="ledger-check"' in text and "账平" in text


def test_the_workbench_lists_services_waiting_for_confirmation(jiangcheng, make_member, elder):
    from yanglao.timebank import services

    req = services.request_create(by=jiangcheng, elder=elder(), service_type="chat", scheduled_on=dt.date(2026, 11, 20))
    services.request_take(by=jiangcheng, req=req, volunteer=make_member())
    services.request_done(by=jiangcheng, req=req, minutes=30)
    text = page_client(jiangcheng).get("/").content.decode()
    assert "时间银行服务待确认" in text and "/timebank/requests/?status=done" in text
