"""Sign-in throttling without lockout abuse (issue 18 item 12).

The same answer for an unknown username and a wrong password; growing delays per username and a
budget per address, held in the database; a hard lock only after many failures, which never applies at
an address where the owner completed a sign-in recently and never ends tokens already issued."""

import datetime as dt
import json
import re

import pyotp
import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db.models import F
from django.test import Client, override_settings
from django.utils import timezone

from yanglao.core import crypto
from yanglao.core.models import AuditEntry, LoginEvent, RateCounter
from yanglao.core.services import SCOPE_ACCOUNT, SCOPE_PAIR, account_unlock
from yanglao.core.testing import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
ATTACKER, OWNER, ELSEWHERE = "203.0.113.66", "198.51.100.7", "192.0.2.44"


def token_request(username, password, *, ip, otp=None):
    body = {"username": username, "password": password}
    if otp:
        body["otp"] = otp
    return Client(REMOTE_ADDR=ip).post(TOKEN_URL, data=json.dumps(body), content_type="application/json")


def let_time_pass(seconds):
    """Move every failure run back in time, as if `seconds` had passed (the address windows stay)."""
    delta = dt.timedelta(seconds=seconds)
    RateCounter.objects.filter(scope__in=[SCOPE_ACCOUNT, SCOPE_PAIR]).update(
        last_at=F("last_at") - delta, expires_at=F("expires_at") - delta
    )


def console_error(response):
    found = re.search(r'data-testid="login-error">([^<]*)<', response.content.decode())
    return found.group(1) if found else None


def test_unknown_username_and_wrong_password_get_the_same_api_answer(jiangcheng):
    wrong = token_request("jiangcheng", "wrong-password", ip=ATTACKER)
    unknown = token_request("no-such-user", "wrong-password", ip=ELSEWHERE)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["message"] == "用户名或密码错误"
    reasons = set(LoginEvent.objects.values_list("username", "reason"))
    assert reasons == {("jiangcheng", "bad_password"), ("no-such-user", "unknown_user")}


def test_unknown_username_and_wrong_password_get_the_same_console_answer(jiangcheng):
    wrong = Client(REMOTE_ADDR=ATTACKER).post("/login/", {"username": "jiangcheng", "password": "wrong"})
    unknown = Client(REMOTE_ADDR=ELSEWHERE).post("/login/", {"username": "no-such-user", "password": "wrong"})
    assert wrong.status_code == unknown.status_code == 200
    assert console_error(wrong) == console_error(unknown) == "用户名或密码错误"
    without_csrf = [re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", r.content.decode()) for r in (wrong, unknown)]
    assert without_csrf[0].replace("jiangcheng", "no-such-user") == without_csrf[1]


class CountingHasher(MD5PasswordHasher):
    verified = 0

    def verify(self, password, encoded):
        CountingHasher.verified += 1
        return super().verify(password, encoded)


@override_settings(PASSWORD_HASHERS=["tests.core.test_signin_throttling.CountingHasher"])
def test_an_unknown_username_runs_the_password_hasher_like_a_wrong_password(jiangcheng):
    CountingHasher.verified = 0
    token_request("jiangcheng", "wrong-password", ip=ATTACKER)
    after_known = CountingHasher.verified
    token_request("no-such-user", "wrong-password", ip=ELSEWHERE)
    assert after_known == 1 and CountingHasher.verified == 2


@pytest.mark.parametrize("username", ["jiangcheng", "no-such-user"])
def test_delays_double_after_three_failures_and_look_the_same_for_any_username(jiangcheng, username):
    for _ in range(3):
        assert token_request(username, "wrong", ip=ATTACKER).status_code == 401
    seen = []
    for expected in (1, 2, 4, 8):
        refused = token_request(username, PASSWORD, ip=ATTACKER)  # even the right password is not checked
        assert refused.status_code == 429
        seen.append(refused.json()["error"]["message"])
        let_time_pass(expected)
        assert token_request(username, "wrong", ip=ATTACKER).status_code == 401  # the delay is over: checked again
    assert seen == [f"尝试过于频繁，请 {n} 秒后再试" for n in (1, 2, 4, 8)]
    assert LoginEvent.objects.filter(username=username, reason="throttled").count() == 4


@override_settings(LOGIN_ADDRESS_FAILURES=5, LOGIN_ADDRESS_WINDOW_MINUTES=24 * 60)
def test_an_address_that_spends_its_budget_is_refused_for_any_username(jiangcheng):
    for n in range(5):
        assert token_request(f"guess-{n}", "wrong", ip=ATTACKER).status_code == 401
    blocked = token_request("jiangcheng", PASSWORD, ip=ATTACKER)
    assert blocked.status_code == 429 and blocked.json()["error"]["message"].startswith("尝试过于频繁，请 ")
    assert LoginEvent.objects.filter(ip=ATTACKER, reason="throttled_address").count() == 1
    assert token_request("jiangcheng", PASSWORD, ip=OWNER).status_code == 200


@override_settings(LOCKOUT_ATTEMPTS=4, LOGIN_FREE_FAILURES=10, LOCKOUT_MINUTES=5)
def test_the_lock_threshold_and_length_are_configurable(jiangcheng):
    for _ in range(4):
        assert token_request("jiangcheng", "wrong", ip=ATTACKER).status_code == 401
    locked = token_request("jiangcheng", PASSWORD, ip=ELSEWHERE)
    assert locked.status_code == 401 and locked.json()["error"]["code"] == "account_locked"
    assert "请 5 分钟后再试" in locked.json()["error"]["message"]
    assert AuditEntry.objects.filter(action="security", extra__event="account_locked").count() == 1
    let_time_pass(5 * 60)
    assert token_request("jiangcheng", PASSWORD, ip=ELSEWHERE).status_code == 200


def test_an_unlock_by_an_administrator_ends_the_lock(jiangcheng):
    for _ in range(10):
        token_request("jiangcheng", "wrong", ip=ATTACKER)
        let_time_pass(60)
    assert token_request("jiangcheng", PASSWORD, ip=ELSEWHERE).json()["error"]["code"] == "account_locked"
    account_unlock(user=jiangcheng)
    assert token_request("jiangcheng", PASSWORD, ip=ELSEWHERE).status_code == 200


def test_a_lock_does_not_end_tokens_already_issued(jiangcheng):
    key = token_request("jiangcheng", PASSWORD, ip=OWNER).json()["token"]
    for _ in range(10):
        assert token_request("jiangcheng", "wrong", ip=ATTACKER).status_code == 401
        let_time_pass(60)
    assert token_request("jiangcheng", PASSWORD, ip=ELSEWHERE).json()["error"]["code"] == "account_locked"
    me = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["username"] == "jiangcheng"


@override_settings(REQUIRE_2FA=True, LOGIN_ADDRESS_WINDOW_MINUTES=24 * 60)
def test_the_attackers_address_is_blocked_while_the_owner_still_signs_in_from_hers(jiangcheng):
    secret = pyotp.random_base32()
    jiangcheng.totp_secret = crypto.encrypt(secret)
    jiangcheng.totp_confirmed_at = timezone.now()
    jiangcheng.save()
    totp = pyotp.TOTP(secret)
    earlier = token_request("jiangcheng", PASSWORD, ip=OWNER, otp=totp.at(timezone.now() - dt.timedelta(seconds=30)))
    assert earlier.status_code == 200
    her_token = earlier.json()["token"]

    # The attacker guesses her password until her username locks, then sprays other names from the same address.
    for _ in range(10):
        assert token_request("jiangcheng", "guess", ip=ATTACKER).status_code == 401
        let_time_pass(60)
    for n in range(10):
        assert token_request(f"admin{n}", "guess", ip=ATTACKER).status_code == 401
    blocked = token_request("jiangcheng", PASSWORD, ip=ATTACKER)
    assert blocked.status_code == 429 and "尝试过于频繁" in blocked.json()["error"]["message"]
    assert token_request("jiangcheng", PASSWORD, ip=ELSEWHERE).json()["error"]["code"] == "account_locked"

    # She, at the address she signs in from, still gets in with her password and code, and her token works.
    again = token_request("jiangcheng", PASSWORD, ip=OWNER, otp=totp.now())
    assert again.status_code == 200
    console = Client(REMOTE_ADDR=OWNER)
    assert console.post("/login/", {"username": "jiangcheng", "password": PASSWORD}).url == "/login/2fa/"
    assert console.post("/login/2fa/", {"code": totp.at(timezone.now() + dt.timedelta(seconds=30))}).url == "/"
    assert Client(HTTP_AUTHORIZATION=f"Bearer {her_token}").get("/api/v1/me/").status_code == 200
    reasons = set(LoginEvent.objects.filter(ip=ATTACKER).values_list("reason", flat=True))
    assert reasons == {"bad_password", "unknown_user", "throttled_address"}


@override_settings(REQUIRE_2FA=True)
def test_wrong_two_factor_codes_count_toward_the_same_throttle(jiangcheng):
    secret = pyotp.random_base32()
    jiangcheng.totp_secret = crypto.encrypt(secret)
    jiangcheng.totp_confirmed_at = timezone.now()
    jiangcheng.save()
    for _ in range(3):
        assert token_request("jiangcheng", PASSWORD, ip=ATTACKER, otp="000000").status_code == 401
    refused = token_request("jiangcheng", PASSWORD, ip=ATTACKER, otp=pyotp.TOTP(secret).now())
    assert refused.status_code == 429 and refused.json()["error"]["message"] == "尝试过于频繁，请 1 秒后再试"
    assert LoginEvent.objects.filter(reason="bad_otp").count() == 3
