"""Rate limits that hold across workers (counters in the database, one atomic upsert) and the real client
address behind a trusted proxy (issue 18 item 14)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from yanglao.core import ratelimit
from yanglao.core.clientip import client_ip
from yanglao.core.models import AuditEntry, LoginEvent, RateCounter
from yanglao.core.testing import PASSWORD

PROXY, CLIENT, SPOOFED = "10.1.2.3", "198.51.100.7", "6.6.6.6"


def in_another_connection(fn):
    """Run `fn` in a thread: Django gives it its own database connection, as another worker has."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return out["value"]


@pytest.mark.django_db(transaction=True)
def test_a_count_made_in_one_connection_is_seen_and_continued_by_another():
    for _ in range(3):
        ratelimit.hit("test-shared", "k", limit=4, window_seconds=600)
    seen = in_another_connection(lambda: RateCounter.objects.get(scope="test-shared", key="k").count)
    assert seen == 3
    other = in_another_connection(lambda: ratelimit.hit("test-shared", "k", limit=4, window_seconds=600))
    assert other.count == 4 and other.allowed
    assert not ratelimit.hit("test-shared", "k", limit=4, window_seconds=600).allowed


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_from_many_connections_lose_no_count():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is a PostgreSQL question")
    start = threading.Barrier(8)
    allowed = []

    def worker():
        start.wait()
        for _ in range(10):
            allowed.append(ratelimit.hit("test-race", "k", limit=50, window_seconds=600).allowed)
        return None

    threads = [threading.Thread(target=lambda: in_another_connection(worker)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert RateCounter.objects.get(scope="test-race", key="k").count == 80
    assert allowed.count(True) == 50


@pytest.mark.django_db
def test_windows_restart_streaks_end_when_idle_and_expired_rows_are_purged():
    first = ratelimit.hit("test-window", "k", limit=1, window_seconds=60)
    assert first.count == 1 and 1 <= first.retry_after <= 60
    assert ratelimit.peek("test-window", "k", limit=1, window_seconds=60).count == 1
    assert ratelimit.streak_hit("test-streak", "k", idle_seconds=60) == 1
    assert ratelimit.streak_hit("test-streak", "k", idle_seconds=60) == 2
    RateCounter.objects.filter(scope="test-streak").update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert ratelimit.streak_get("test-streak", "k") is None
    assert ratelimit.streak_hit("test-streak", "k", idle_seconds=60) == 1  # a new run
    RateCounter.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert ratelimit.purge_expired() == 2 and not RateCounter.objects.exists()


@pytest.mark.django_db
def test_the_public_queue_lookup_counts_in_the_database_shared_by_every_worker():
    for _ in range(10):  # another worker has served this address its 10 lookups
        ratelimit.hit("portal-lookup:addr", CLIENT, limit=10, window_seconds=600)
    data = {"kind": "queue", "reference": "ABCD-EFGH-JKMN", "factor": "1950-01-01"}
    got = Client(REMOTE_ADDR=CLIENT).post("/public/lookup/", data)
    assert got.status_code == 429
    assert Client(REMOTE_ADDR="192.0.2.1").post("/public/lookup/", data).status_code == 200


def request_from(peer, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=peer, **extra)


def test_x_forwarded_for_is_ignored_from_an_untrusted_peer():
    assert client_ip(request_from(CLIENT, SPOOFED)) == CLIENT
    with override_settings(TRUSTED_PROXIES=["10.0.0.0/8"]):
        assert client_ip(request_from("192.0.2.9", SPOOFED)) == "192.0.2.9"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "2001:db8::/32"])
def test_x_forwarded_for_is_honoured_from_a_trusted_proxy_taking_the_rightmost_untrusted_address():
    assert client_ip(request_from(PROXY, CLIENT)) == CLIENT
    assert client_ip(request_from(PROXY, f"{SPOOFED}, {CLIENT}")) == CLIENT  # the client wrote the left part
    assert client_ip(request_from(PROXY, f"{SPOOFED}, {CLIENT}, 10.9.9.9")) == CLIENT  # two proxies
    assert client_ip(request_from(PROXY, "not-an-address")) == PROXY
    assert client_ip(request_from(PROXY)) == PROXY
    assert client_ip(request_from("2001:db8::1", "2001:0db8:0:0:0:0:0:1, 2400:cb00::0001")) == "2400:cb00::1"


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"], LOGIN_ADDRESS_FAILURES=3)
def test_the_login_log_throttle_and_audit_trail_use_the_real_client_address(jiangcheng):
    behind_proxy = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT)
    for n in range(3):
        behind_proxy.post("/login/", {"username": f"guess{n}", "password": "x"})
    assert set(LoginEvent.objects.values_list("ip", flat=True)) == {CLIENT}
    # the budget is the client's, not the proxy's: another client behind the same proxy is not blocked
    assert "尝试过于频繁" in behind_proxy.post("/login/", {"username": "jiangcheng", "password": PASSWORD}).content.decode()
    neighbour = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.50")
    assert neighbour.post("/login/", {"username": "jiangcheng", "password": PASSWORD}).status_code == 302
    # and a direct client cannot escape its own budget by writing the header
    direct = Client(REMOTE_ADDR=CLIENT, HTTP_X_FORWARDED_FOR="192.0.2.51")
    assert "尝试过于频繁" in direct.post("/login/", {"username": "jiangcheng", "password": PASSWORD}).content.decode()
    neighbour.post("/account/password/", {"old_password": PASSWORD, "new_password": "New-Passw0rd-2026",
                                          "new_password2": "New-Passw0rd-2026"})
    assert AuditEntry.objects.get(extra__event="password_changed").ip == "192.0.2.50"
