"""A change of password or two-factor secret ends every API token and every other session of the
account (issue 18 item 13), whichever path made the change."""

import datetime as dt
import json

import pyotp
import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from yanglao.core import crypto
from yanglao.core.models import ApiToken, AuditEntry
from yanglao.core.services import totp_reset
from yanglao.core.testing import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
NEW_PASSWORD = "New-Passw0rd-2026"


def get_token(username, password, otp=None):
    body = {"username": username, "password": password, **({"otp": otp} if otp else {})}
    got = Client().post(TOKEN_URL, data=json.dumps(body), content_type="application/json")
    assert got.status_code == 200, got.content
    return got.json()["token"]


def me(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/me/")


def signed_in_console(username, password=PASSWORD):
    client = Client()
    assert client.post("/login/", {"username": username, "password": password}).status_code == 302
    assert client.get("/").status_code == 200
    return client


def test_a_password_change_ends_old_tokens_and_other_sessions_but_keeps_the_changers(jiangcheng):
    key = get_token("jiangcheng", PASSWORD)
    changer, other = signed_in_console("jiangcheng"), signed_in_console("jiangcheng")
    changed = changer.post(
        "/account/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert changed.status_code == 302
    assert me(key).status_code == 401
    assert other.get("/").status_code == 302  # signed out
    assert changer.get("/").status_code == 200  # the session that made the change goes on
    assert me(get_token("jiangcheng", NEW_PASSWORD)).status_code == 200
    line = AuditEntry.objects.get(extra__event="password_changed")
    assert line.extra["tokens_revoked"] == 1 and ApiToken.objects.filter(revoked_at__isnull=False).count() == 1


def test_a_password_set_outside_the_services_also_ends_old_tokens_and_sessions(jiangcheng):
    """`yanglao changepassword` or the Django admin save the user directly: the token is bound to the
    credential fingerprint, so it stops working all the same."""
    key = get_token("jiangcheng", PASSWORD)
    session = signed_in_console("jiangcheng")
    jiangcheng.set_password(NEW_PASSWORD)
    jiangcheng.save()
    got = me(key)
    assert got.status_code == 401 and "密码或两步验证已变更" in got.json()["error"]["message"]
    assert session.get("/").status_code == 302


@override_settings(REQUIRE_2FA=True)
def test_a_two_factor_reset_ends_old_tokens_and_sessions(jiangcheng):
    secret = pyotp.random_base32()
    jiangcheng.totp_secret = crypto.encrypt(secret)
    jiangcheng.totp_confirmed_at = timezone.now()
    jiangcheng.save()
    totp = pyotp.TOTP(secret)
    key = get_token("jiangcheng", PASSWORD, otp=totp.at(timezone.now() - dt.timedelta(seconds=30)))
    console = Client()
    console.post("/login/", {"username": "jiangcheng", "password": PASSWORD})
    assert console.post("/login/2fa/", {"code": totp.now()}).url == "/"
    assert console.get("/").status_code == 200 and me(key).status_code == 200

    call_command("reset_two_factor", "--username", "jiangcheng")

    assert me(key).status_code == 401
    assert console.get("/").status_code == 302
    jiangcheng.refresh_from_db()
    assert jiangcheng.totp_confirmed_at is None and not jiangcheng.totp_secret
    line = AuditEntry.objects.get(extra__event="two_factor_reset")
    assert line.extra["tokens_revoked"] == 1 and line.actor_username == "cli:reset_two_factor"


@override_settings(REQUIRE_2FA=True)
def test_a_new_two_factor_secret_set_directly_ends_old_tokens(jiangcheng):
    secret = pyotp.random_base32()
    jiangcheng.totp_secret = crypto.encrypt(secret)
    jiangcheng.totp_confirmed_at = timezone.now()
    jiangcheng.save()
    key = get_token("jiangcheng", PASSWORD, otp=pyotp.TOTP(secret).now())
    jiangcheng.totp_secret = crypto.encrypt(pyotp.random_base32())
    jiangcheng.save(update_fields=["totp_secret"])
    assert me(key).status_code == 401


def test_the_service_reset_and_a_token_issued_afterwards(jiangcheng):
    old = get_token("jiangcheng", PASSWORD)
    totp_reset(user=jiangcheng)
    assert me(old).status_code == 401
    assert me(get_token("jiangcheng", PASSWORD)).status_code == 200
