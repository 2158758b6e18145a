"""指标监测 in a real browser: the director's board with its sparklines and the county map (boundaries drawn, points
converted), drilling into a county; the wall screen at 1920×1080; the board and the portal page on a phone
without sideways scrolling. Screenshots go to docs/screenshots/dashboard-*.png."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from yanglao.core.audit import AuditActor, audit_context
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, make_user
from yanglao.homecare.models import Facility, FacilityCommunity
from yanglao.planning.models import CommunityPoint

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
WALL = {"width": 1920, "height": 1080}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def scene(divisions):  # type: ignore[no-untyped-def]
    from yanglao.dashboard import services

    city = make_user(Role.CITY_ADMIN, "4417", username="city", real_name="陈建国")
    points = {"441702001001": ("21.8560", "111.9660"), "441704100001": ("21.8680", "112.0150"),
              "441721100001": ("21.7520", "111.6170"), "441781001001": ("22.1700", "111.7900")}
    with audit_context(actor=AuditActor(user_id=None, username="test")):
        for code, (lat, lng) in points.items():
            CommunityPoint.objects.create(division_code=code, latitude=Decimal(lat), longitude=Decimal(lng))
            f = Facility.objects.create(name=f"{code[-6:]}日间照料中心", kind="day_care", division_code=code,
                                        latitude=Decimal(lat), longitude=Decimal(lng), offers_day_care=True)
            FacilityCommunity.objects.create(facility=f, division_code=code)
        services.snapshot_history(2, today=timezone.localdate())
        from yanglao.policytasks import services as policytasks

        policytasks.load_table()  # the 40 tasks, none reported: those past their deadline are late
    return city


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def _keep(path: Path, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, DOCS / f"{name}.png")


def test_the_director_reads_the_board_the_map_and_drills_into_a_county(live_server, page, shot, scene):
    page.set_viewport_size(DESKTOP)
    login(page, live_server, "city", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.click("[data-nav=dashboard]")
    page.wait_for_selector("[data-testid=board]")
    page.wait_for_selector("[data-testid=map] canvas")
    page.wait_for_selector("[data-spark] canvas")
    assert "阳春市" in page.inner_text("[data-testid=board]")
    assert page.locator("[data-testid=late-tasks] tbody tr").count() >= 1  # who is late, on the same page
    _keep(shot("dashboard-01-city"), "dashboard-01-city")
    page.click("[data-testid=drill-441702]")
    page.wait_for_selector("[data-testid=drill-441702001]")
    _keep(shot("dashboard-02-county"), "dashboard-02-county")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("[data-testid=map] canvas")
    _no_sideways_scroll(page)
    _keep(shot("dashboard-03-city-phone"), "dashboard-03-city-phone")


def test_the_wall_screen_fills_a_1080p_screen(live_server, page, shot, scene):
    login(page, live_server, "city", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.set_viewport_size(WALL)
    page.goto(f"{live_server.url}/dashboard/screen/")
    page.wait_for_selector("#dash-map canvas")
    page.wait_for_selector("[data-testid=tile-day_care] canvas")
    _no_sideways_scroll(page)
    _keep(shot("dashboard-04-screen"), "dashboard-04-screen")


def test_the_public_page_on_a_phone(live_server, page, shot, scene):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/public/dashboard/")
    page.wait_for_selector("[data-testid=pub-visit_rate]")
    _no_sideways_scroll(page)
    _keep(shot("dashboard-05-public-phone"), "dashboard-05-public-phone")
