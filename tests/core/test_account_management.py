"""账户管理 in the console: who manages whom (one rule), temporary passwords, disable, resets, unlock, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from yanglao.core import accounts
from yanglao.core.models import ApiToken, AuditEntry, Organisation, User
from yanglao.core.roles import Role
from yanglao.core.services import ClientInfo, token_create
from yanglao.core.testing import PASSWORD, make_user, page_client

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Temp-Passw0rd!9"


def create_via_page(client: Client, **fields: str):
    data = {"username": "newbie", "real_name": "王小明", "role": Role.TOWNSHIP_STAFF, "division": "441702001",
            "password": NEW_PASSWORD} | fields
    return client.post("/accounts/new/", data)


def test_the_city_administrator_creates_an_account_whose_password_must_change_at_first_sign_in(city_admin):
    response = create_via_page(page_client(city_admin))
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="newbie")
    assert user.role == Role.TOWNSHIP_STAFF and user.division_id == "441702001" and user.real_name == "王小明"
    assert user.must_change_password and user.password_expired()
    assert AuditEntry.objects.filter(object_type="core.user", object_id=str(user.pk), action="create").exists()
    # the first page after signing in is the password change, and changing it ends the obligation
    client = page_client(user)
    assert client.get("/people/")["Location"].endswith("/account/password/")
    client.post("/account/password/", {"old_password": NEW_PASSWORD, "new_password": "Chosen-Passw0rd!7",
                                       "new_password2": "Chosen-Passw0rd!7"})
    user.refresh_from_db()
    assert not user.must_change_password and not user.password_expired()


def test_county_staff_create_accounts_only_for_their_county_and_their_roles(jiangcheng):
    client = page_client(jiangcheng)
    assert create_via_page(client, username="other", division="441721100").status_code == 200  # 阳西: not theirs
    assert create_via_page(client, username="boss", role=Role.CITY_ADMIN, division="4417").status_code == 200
    assert not User.objects.filter(username__in=["other", "boss"]).exists()
    assert create_via_page(client, username="mine").status_code == 302
    assert User.objects.get(username="mine").division_id == "441702001"


def test_county_staff_cannot_raise_an_account_above_their_role_or_move_it_out_of_their_county(jiangcheng):
    township = make_user(Role.TOWNSHIP_STAFF, "441702001", username="t1")
    for data in ({"role": Role.CITY_ADMIN, "division_code": "4417"}, {"role": Role.AUDITOR, "division_code": "441702"},
                 {"role": Role.TOWNSHIP_STAFF, "division_code": "441721100"}):
        with pytest.raises(Exception, match="不能设置此角色|管辖范围"):
            accounts.account_update(by=jiangcheng, user=township, data=accounts.AccountInput(**data))
    township.refresh_from_db()
    assert township.role == Role.TOWNSHIP_STAFF and township.division_id == "441702001"


def test_the_list_shows_only_managed_accounts_searchable_with_a_total_and_twenty_per_page(city_admin, jiangcheng):
    for n in range(23):
        make_user(Role.COMMUNITY_WORKER, "441702001001", username=f"cw{n:02d}", real_name=f"社工{n}")
    make_user(Role.COUNTY_STAFF, "441721", username="yangxi-staff")
    make_user(Role.AUDITOR, "4417", username="auditor-x")
    page = page_client(jiangcheng).get("/accounts/")
    text = page.content.decode()
    assert page.status_code == 200 and "共 24 条" in text and "page=2" in text  # 23 workers + jiangcheng itself
    assert text.count('data-testid="account-') - text.count('data-testid="account-search') - text.count(
        'data-testid="account-table') - text.count('data-testid="account-new') == 20
    assert "yangxi-staff" not in text and "auditor-x" not in text
    found = page_client(jiangcheng).get("/accounts/", {"q": "社工7"}).content.decode()
    assert "cw07" in found and "cw08" not in found
    city = page_client(city_admin).get("/accounts/", {"role": Role.COUNTY_STAFF}).content.decode()
    assert "yangxi-staff" in city and "cw01" not in city
    by_division = page_client(city_admin).get("/accounts/", {"division": "441721"}).content.decode()
    assert "yangxi-staff" in by_division and "jiangcheng" not in by_division


def test_an_account_outside_the_rule_is_a_404_for_every_page_and_action(jiangcheng):
    other = make_user(Role.COUNTY_STAFF, "441721", username="yx")
    client = page_client(jiangcheng)
    for url in (f"/accounts/{other.pk}/", f"/accounts/{other.pk}/disable/", f"/accounts/{other.pk}/reset_password/"):
        assert client.get(url).status_code == 404
        assert client.post(url, {"password": NEW_PASSWORD}).status_code == 404
    other.refresh_from_db()
    assert other.is_active


def test_roles_without_the_capability_see_no_menu_entry_and_get_403(divisions):
    township = make_user(Role.TOWNSHIP_STAFF, "441702001", username="t2")
    client = page_client(township)
    assert client.get("/accounts/").status_code == 403
    assert 'data-nav="accounts"' not in client.get("/").content.decode()


def test_the_menu_shows_account_management_to_the_city_administrator(city_admin):
    assert 'data-nav="accounts"' in page_client(city_admin).get("/").content.decode()


def test_disabling_an_account_ends_its_tokens_and_is_audited_and_reenabling_restores_it(jiangcheng):
    worker = make_user(Role.COMMUNITY_WORKER, "441702001001", username="cw")
    token_create(user=worker, client=ClientInfo())
    client = page_client(jiangcheng)
    confirm = client.get(f"/accounts/{worker.pk}/disable/")
    assert confirm.status_code == 200 and "停用账户" in confirm.content.decode()
    worker.refresh_from_db()
    assert worker.is_active  # a GET only asks
    assert client.post(f"/accounts/{worker.pk}/disable/", {"comment": "调离岗位"}).status_code == 302
    worker.refresh_from_db()
    assert not worker.is_active
    assert not ApiToken.objects.filter(user=worker, revoked_at__isnull=True).exists()
    client.post(f"/accounts/{worker.pk}/enable/")
    worker.refresh_from_db()
    assert worker.is_active
    lines = AuditEntry.objects.filter(object_type="core.user", object_id=str(worker.pk), action="update").order_by("id")
    assert [e.changes["is_active"] for e in lines if "is_active" in e.changes] == [[True, False], [False, True]]
    assert all(e.actor_username == "jiangcheng" for e in lines)
    assert AuditEntry.objects.filter(object_id=str(worker.pk), extra__comment="调离岗位").exists()  # the reason kept


def test_nobody_disables_their_own_account(city_admin):
    response = page_client(city_admin).post(f"/accounts/{city_admin.pk}/disable/")
    assert response.status_code == 400 and "不能停用" in response.content.decode()
    city_admin.refresh_from_db()
    assert city_admin.is_active


def test_a_password_reset_is_temporary_ends_access_and_is_audited_without_the_password(jiangcheng):
    worker = make_user(Role.COMMUNITY_WORKER, "441702001001", username="cw")
    token_create(user=worker, client=ClientInfo())
    client = page_client(jiangcheng)
    weak = client.post(f"/accounts/{worker.pk}/reset_password/", {"password": "123"})
    assert weak.status_code == 400 and 'data-testid="error-password"' in weak.content.decode()
    assert client.post(f"/accounts/{worker.pk}/reset_password/", {"password": NEW_PASSWORD}).status_code == 302
    worker.refresh_from_db()
    assert worker.check_password(NEW_PASSWORD) and worker.must_change_password
    assert not ApiToken.objects.filter(user=worker, revoked_at__isnull=True).exists()
    line = AuditEntry.objects.get(object_type="core.user", object_id=str(worker.pk), extra__event="password_reset")
    assert line.actor_username == "jiangcheng"
    assert NEW_PASSWORD not in str(line.changes) + str(line.extra)


def test_a_two_factor_reset_forgets_the_authenticator_and_is_audited(jiangcheng):
    worker = make_user(Role.COMMUNITY_WORKER, "441702001001", username="cw", totp_secret="x",
                       totp_confirmed_at=timezone.now())
    page_client(jiangcheng).post(f"/accounts/{worker.pk}/reset_2fa/")
    worker.refresh_from_db()
    assert worker.totp_secret == "" and worker.totp_confirmed_at is None
    assert AuditEntry.objects.filter(object_type="core.user", object_id=str(worker.pk),
                                     extra__event="two_factor_reset").exists()


def test_a_locked_account_shows_as_locked_with_its_last_sign_in_and_can_be_unlocked(jiangcheng):
    worker = make_user(Role.COMMUNITY_WORKER, "441702001001", username="cw",
                       locked_until=timezone.now() + dt.timedelta(minutes=10), last_login=timezone.now())
    client = page_client(jiangcheng)
    row = client.get("/accounts/", {"q": "cw"}).content.decode()
    assert "已锁定" in row and timezone.localtime(worker.last_login).strftime("%Y-%m-%d") in row
    client.post(f"/accounts/{worker.pk}/unlock/")
    worker.refresh_from_db()
    assert not worker.is_locked()
    assert AuditEntry.objects.filter(object_id=str(worker.pk), extra__event="account_unlocked").exists()


def test_an_edit_records_role_and_division_before_and_after(city_admin):
    township = make_user(Role.TOWNSHIP_STAFF, "441702001", username="t3")
    response = page_client(city_admin).post(f"/accounts/{township.pk}/", {"real_name": "李四", "role": Role.COUNTY_STAFF,
                                                                         "division": "441702"})
    assert response.status_code == 302
    line = AuditEntry.objects.filter(object_type="core.user", object_id=str(township.pk), action="update").get()
    assert line.changes["role"] == [Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF]
    assert line.changes["division"] == ["441702001", "441702"]


def test_an_institution_operator_is_bound_to_an_organisation_picked_from_a_list(city_admin):
    org = Organisation.objects.create(name="江城区社会福利中心", kind="institution", division_code="441702001001")
    response = create_via_page(page_client(city_admin), username="op", role=Role.INSTITUTION_OPERATOR, division="",
                               organisation=str(org.pk))
    assert response.status_code == 302
    op = User.objects.get(username="op")
    assert op.organisation_id == org.pk and op.division_id is None


def test_a_disabled_account_cannot_sign_in(jiangcheng):
    worker = make_user(Role.COMMUNITY_WORKER, "441702001001", username="cw")
    accounts.account_set_active(by=jiangcheng, user=worker, active=False)
    response = Client().post("/login/", {"username": "cw", "password": PASSWORD})
    assert "账户已停用" in response.content.decode()


def test_a_temporary_password_opens_no_api_token_until_it_is_changed(jiangcheng):
    worker = make_user(Role.COMMUNITY_WORKER, "441702001001", username="cw")
    accounts.account_reset_password(by=jiangcheng, user=worker, password=NEW_PASSWORD)
    refused = Client().post("/api/v1/auth/token", {"username": "cw", "password": NEW_PASSWORD},
                            content_type="application/json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "password_change_required"
    from yanglao.core.services import password_change

    worker.refresh_from_db()
    password_change(user=worker, old_password=NEW_PASSWORD, new_password="Chosen-Passw0rd!7")
    granted = Client().post("/api/v1/auth/token", {"username": "cw", "password": "Chosen-Passw0rd!7"},
                            content_type="application/json")
    assert granted.status_code == 200, granted.content
