"""Figures: alarms by type and area, times to respond and to arrive (median, 90th percentile), follow-up rate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from yanglao.alarms import selectors, services
from yanglao.alarms.models import Incident
from yanglao.alarms.selectors import _percentiles_python

from .conftest import press

pytestmark = pytest.mark.django_db


@pytest.fixture
def ten_incidents(older, jiangcheng):
    """Ten incidents responded to after 10, 20, … 100 seconds; arrived 10 minutes after for the first five;
    all closed, four followed up."""
    now = timezone.now().replace(microsecond=0)
    for n in range(10):
        device, _ = services.device_register(by=jiangcheng, person=older, kind="fall" if n % 2 else "red_button",
                                             code=f"YJ-F-{n}")
        incident = Incident.objects.get(pk=press(device, f"m{n}").incident_id)
        opened = now - dt.timedelta(hours=2)
        Incident.objects.filter(pk=incident.pk).update(
            opened_at=opened, state="closed", outcome="resolved_home", closed_at=now,
            acknowledged_at=opened + dt.timedelta(seconds=10 * (n + 1)),
            arrived_at=opened + dt.timedelta(minutes=10) if n < 5 else None,
            followed_up_at=now if n < 4 else None)


def test_figures_give_median_and_90th_percentile_and_the_follow_up_rate(ten_incidents, jiangcheng):
    today = timezone.localdate()
    f = selectors.figures(jiangcheng, today - dt.timedelta(days=1), today)
    assert f.total == 10
    assert dict(f.by_kind) == {"紧急呼叫": 5, "跌倒": 5}
    assert f.acknowledge.count == 10
    assert f.acknowledge.median_seconds == pytest.approx(55.0)
    assert f.acknowledge.p90_seconds == pytest.approx(91.0)  # percentile_cont: 90 + 0.1 × (100 − 90)
    assert f.arrive.count == 5 and f.arrive.median_seconds == pytest.approx(600.0)
    assert (f.closed, f.followed_up, f.follow_up_rate) == (10, 4, 0.4)
    assert [(name, n) for name, n, _u in f.by_area] == [("南恩街道", 10)]  # county staff: by township


def test_the_sqlite_fallback_interpolates_as_percentile_cont():
    assert _percentiles_python([10.0 * n for n in range(1, 11)]) == (55.0, pytest.approx(91.0))
    assert _percentiles_python([7.0]) == (7.0, 7.0)
    assert _percentiles_python([]) == (None, None)


def test_the_database_computes_the_percentiles(ten_incidents, jiangcheng, django_assert_max_num_queries):
    if connection.vendor != "postgresql":
        pytest.skip("percentile_cont is PostgreSQL's")
    with django_assert_max_num_queries(1):
        d = selectors.durations(Incident.objects.all(), "acknowledged_at")
    assert (d.count, d.median_seconds) == (10, pytest.approx(55.0))


def test_figures_are_scoped(ten_incidents, yangxi):
    today = timezone.localdate()
    f = selectors.figures(yangxi, today - dt.timedelta(days=1), today)
    assert f.total == 0 and f.closed == 0 and f.acknowledge.count == 0


def test_the_figures_page_shows_them(ten_incidents, jiangcheng):
    from django.test import Client

    c = Client()
    c.force_login(jiangcheng)
    html = c.get("/alarms/figures/").content.decode()
    assert "55秒" in html and "1分31秒" in html and "40.0%" in html and "南恩街道" in html
