"""Accounts, sign-in, lockout, two-factor, tokens: the 等保 security baseline."""

import datetime as dt
import json

import pyotp
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.utils import timezone

from yanglao.core.models import ApiToken, AuditEntry, LoginEvent, User
from yanglao.core.roles import Role
from yanglao.core.services import totp_secret
from yanglao.core.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"


def post_json(client, url, body, **extra):
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def error_of(response):
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    return body["error"]


def test_create_staff_binds_the_account_to_its_division(divisions):
    call_command(
        "create_staff",
        "--username",
        "u1",
        "--password",
        "Abcdef-12345",
        "--role",
        "county_staff",
        "--division",
        "441704",
    )
    user = User.objects.get(username="u1")
    assert user.role == Role.COUNTY_STAFF and user.division_id == "441704" and user.scope_prefix == "441704"
    assert AuditEntry.objects.filter(
        object_type="core.user", object_id=str(user.pk), action="create"
    ).exists()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--division", "999999"], "未知的区划代码"),
        (["--division", "441702001"], "不能绑定到"),
    ],
)
def test_create_staff_refuses_bad_division(divisions, args, reason):
    with pytest.raises(CommandError, match=reason):
        call_command(
            "create_staff", "--username", "u2", "--password", "Abcdef-12345", "--role", "county_staff", *args
        )
    assert not User.objects.filter(username="u2").exists()


def test_create_staff_refuses_a_simple_password(divisions):
    with pytest.raises(CommandError, match="至少 3 类"):
        call_command(
            "create_staff",
            "--username",
            "u3",
            "--password",
            "abcdefghijkl",
            "--role",
            "auditor",
            "--division",
            "4417",
        )


def test_token_is_issued_for_good_credentials_and_works_as_bearer(jiangcheng):
    got = post_json(Client(), TOKEN_URL, {"username": "jiangcheng", "password": PASSWORD})
    assert got.status_code == 200
    me = Client(HTTP_AUTHORIZATION=f"Bearer {got.json()['token']}").get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["division_code"] == "441702"
    assert me.json()["role_name"] == "县（市、区）工作人员"


def test_wrong_password_gets_error_shape_and_is_logged(jiangcheng):
    got = post_json(Client(), TOKEN_URL, {"username": "jiangcheng", "password": "wrong"})
    assert got.status_code == 401
    err = error_of(got)
    assert err["code"] == "authentication_failed" and "用户名或密码错误" in err["message"]
    assert LoginEvent.objects.filter(username="jiangcheng", success=False, reason="bad_password").count() == 1
    assert not ApiToken.objects.exists()


def test_lock_expires_after_the_configured_time(jiangcheng):
    jiangcheng.locked_until = timezone.now() - dt.timedelta(seconds=1)
    jiangcheng.save()
    assert post_json(Client(), TOKEN_URL, {"username": "jiangcheng", "password": PASSWORD}).status_code == 200


def test_expired_token_is_refused(jiangcheng):
    key = post_json(Client(), TOKEN_URL, {"username": "jiangcheng", "password": PASSWORD}).json()["token"]
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    got = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/me/")
    assert got.status_code == 401 and "过期" in error_of(got)["message"]


def test_revoked_token_is_refused(jiangcheng):
    key = post_json(Client(), TOKEN_URL, {"username": "jiangcheng", "password": PASSWORD}).json()["token"]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.delete("/api/v1/auth/token/revoke").status_code == 204
    got = client.get("/api/v1/me/")
    assert got.status_code == 401 and "吊销" in error_of(got)["message"]


def test_unknown_token_is_refused():
    got = Client(HTTP_AUTHORIZATION="Bearer not-a-token").get("/api/v1/me/")
    assert got.status_code == 401 and error_of(got)["code"] == "authentication_failed"


def test_no_token_is_not_authenticated(db):
    got = Client().get("/api/v1/me/")
    assert got.status_code in (401, 403) and error_of(got)["code"] == "not_authenticated"


def test_malformed_json_gets_error_shape_and_changes_nothing(jiangcheng):
    got = Client().post(TOKEN_URL, data="{username:", content_type="application/json")
    assert got.status_code == 400
    err = error_of(got)
    assert err["code"] == "malformed_request" and "JSON" in err["message"]
    assert not LoginEvent.objects.exists()


def test_missing_field_names_the_field(db):
    got = post_json(Client(), TOKEN_URL, {"username": "x"})
    err = error_of(got)
    assert got.status_code == 400 and err["code"] == "validation_failed" and "password" in err["details"]


def test_unknown_api_path_answers_json_404(db):
    got = Client().get("/api/v1/no-such-thing/")
    assert got.status_code == 404 and error_of(got)["code"] == "not_found"


# --- web sign-in with two-factor ------------------------------------------------------------
@override_settings(REQUIRE_2FA=True)
def test_staff_web_login_requires_enrolling_and_entering_a_totp_code(jiangcheng):
    client = Client()
    got = client.post("/login/", {"username": "jiangcheng", "password": PASSWORD})
    assert got.status_code == 302 and got.url == "/login/2fa/"
    assert client.get("/").status_code == 302  # not signed in yet
    page = client.get("/login/2fa/")
    assert "扫描下方二维码" in page.content.decode()
    jiangcheng.refresh_from_db()
    code = pyotp.TOTP(totp_secret(jiangcheng)).now()
    done = client.post("/login/2fa/", {"code": code})
    assert done.status_code == 302 and done.url == "/"
    assert client.get("/").status_code == 200
    jiangcheng.refresh_from_db()
    assert jiangcheng.totp_confirmed_at is not None


@override_settings(REQUIRE_2FA=True)
def test_a_totp_code_cannot_be_replayed(jiangcheng):
    client = Client()
    client.post("/login/", {"username": "jiangcheng", "password": PASSWORD})
    client.get("/login/2fa/")
    jiangcheng.refresh_from_db()
    code = pyotp.TOTP(totp_secret(jiangcheng)).now()
    client.post("/login/2fa/", {"code": code})
    again = Client()
    again.post("/login/", {"username": "jiangcheng", "password": PASSWORD})
    got = again.post("/login/2fa/", {"code": code})
    assert got.status_code == 200 and "已使用" in got.content.decode()


@override_settings(REQUIRE_2FA=True)
def test_api_token_for_staff_needs_the_totp_code_when_two_factor_is_on(jiangcheng):
    secret = pyotp.random_base32()
    from yanglao.core import crypto

    jiangcheng.totp_secret = crypto.encrypt(secret)
    jiangcheng.totp_confirmed_at = timezone.now()
    jiangcheng.save()
    without = post_json(Client(), TOKEN_URL, {"username": "jiangcheng", "password": PASSWORD})
    assert without.status_code == 400 and "otp" in error_of(without)["details"]
    with_code = post_json(
        Client(), TOKEN_URL, {"username": "jiangcheng", "password": PASSWORD, "otp": pyotp.TOTP(secret).now()}
    )
    assert with_code.status_code == 200


def test_web_login_shows_a_clear_throttle_message(jiangcheng):
    client = Client()
    for _ in range(4):
        got = client.post("/login/", {"username": "jiangcheng", "password": "nope"})
    assert "尝试过于频繁，请 1 秒后再试" in got.content.decode()


def test_expired_password_forces_a_change(jiangcheng):
    jiangcheng.password_changed_at = timezone.now() - dt.timedelta(days=91)
    jiangcheng.save()
    client = Client()
    got = client.post("/login/", {"username": "jiangcheng", "password": PASSWORD})
    assert got.url == "/account/password/"
    assert client.get("/divisions/").url == "/account/password/"
    changed = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password": "New-Passw0rd-2026", "new_password2": "New-Passw0rd-2026"},
    )
    assert changed.status_code == 302
    assert client.get("/divisions/").status_code == 200


def test_session_expires_after_idle_minutes(jiangcheng, settings):
    client = Client()
    client.post("/login/", {"username": "jiangcheng", "password": PASSWORD})
    client.get("/")
    assert client.session.get_expiry_age() == settings.SESSION_IDLE_MINUTES * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # the clock restarts on every request: an idle timeout


def test_pages_carry_secure_headers(jiangcheng):
    got = Client().get("/login/")
    assert "default-src 'self'" in got["Content-Security-Policy"]
    assert "script-src 'self'" in got["Content-Security-Policy"]
    assert got["X-Frame-Options"] == "DENY"
    assert got["X-Content-Type-Options"] == "nosniff"
    assert got["Referrer-Policy"] == "same-origin"


def test_login_form_requires_csrf(jiangcheng):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "jiangcheng", "password": PASSWORD}).status_code == 403


def test_production_refuses_the_demo_secret_key():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"YANGLAO_DEMO", "SECRET_KEY", "DEBUG"}}
    env["DJANGO_SETTINGS_MODULE"] = "yanglao.config.settings"
    got = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True
    )
    assert got.returncode != 0 and "SECRET_KEY" in got.stderr
    env["SECRET_KEY"] = "a-real-production-key-0123456789"
    env["YANGLAO_DATA_KEY"] = "a-real-data-key"
    ok = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr


def test_organisation_accounts_must_name_their_organisation(divisions):
    from yanglao.core.errors import ValidationFailed
    from yanglao.core.services import staff_create

    with pytest.raises(ValidationFailed) as exc:
        staff_create(username="op", password="Abcdef-12345", role=Role.INSTITUTION_OPERATOR)
    assert "organisation" in exc.value.details


def test_user_model_enforces_a_division_for_staff_roles(divisions):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="nodiv", role=Role.COUNTY_STAFF)
    make_user(Role.COUNTY_STAFF, "441702", username="hasdiv")


def test_login_never_redirects_off_site(jiangcheng):
    got = Client().post("/login/?next=https://evil.example/steal", {"username": "jiangcheng", "password": PASSWORD})
    assert got.status_code == 302 and got.url == "/"
    ok = Client().post("/login/?next=/divisions/", {"username": "jiangcheng", "password": PASSWORD})
    assert ok.url == "/divisions/"


@override_settings(REQUIRE_2FA=True)
def test_a_responsible_units_staff_sign_in_with_two_factor_like_other_government_staff(db):
    from yanglao.core.models import Organisation, OrganisationKind

    unit = Organisation.objects.create(name="市自然资源局", kind=OrganisationKind.GOVERNMENT, division_code="4417")
    make_user(Role.RESPONSIBLE_UNIT, "", username="ziran", organisation=unit)
    operator_home = Organisation.objects.create(name="江城区中心敬老院", kind=OrganisationKind.INSTITUTION,
                                                division_code="441702")
    make_user(Role.INSTITUTION_OPERATOR, "", username="carehome", organisation=operator_home)
    got = Client().post("/login/", {"username": "ziran", "password": PASSWORD})
    assert got.status_code == 302 and got.url == "/login/2fa/"
    care_home = Client().post("/login/", {"username": "carehome", "password": PASSWORD})
    assert care_home.status_code == 302 and care_home.url != "/login/2fa/"  # organisation accounts: password only
