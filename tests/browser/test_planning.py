"""Planning in a real browser: county staff read the 15-minute circle with its map, where to build next, the estates
judged by the rule in force and the leases, on a desktop (1280×800) and a phone (390×844)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yanglao.core.audit import AuditActor, audit_context
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, make_user
from yanglao.homecare.models import Facility
from yanglao.planning import network as net
from yanglao.planning import services
from yanglao.planning.defaults import ensure_defaults
from yanglao.planning.models import CommunityPoint

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def scene(divisions, tmp_path, settings):  # type: ignore[no-untyped-def]
    from yanglao.people.seeding import seed_people

    settings.MEDIA_ROOT = tmp_path / "media"
    county = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng", real_name="梁志华")
    places = {"441702001001": ("21.8420", "111.9530"), "441702001002": ("21.8560", "111.9650"),
              "441702001003": ("21.8660", "111.9770"), "441702001004": ("21.9100", "111.9600"),
              "441702002001": ("21.8480", "111.9700")}
    with audit_context(actor=AuditActor(user_id=None, username="test")):
        ensure_defaults()
        for i, (code, (lat, lon)) in enumerate(places.items()):
            CommunityPoint.objects.create(division_code=code, latitude=Decimal(lat), longitude=Decimal(lon))
            seed_people(10 + 8 * i, seed=3100 + i, city=code)
        Facility.objects.create(name="北门日间照料中心", kind="day_care", division_code="441702001001",
                                latitude=Decimal("21.8415"), longitude=Decimal("111.9520"))
        Facility.objects.create(name="城南日间照料中心", kind="day_care", division_code="441702002001")
        for name, kind, households, area, handed in (("漠阳花园", "new", 480, "96", True), ("江城御景", "new", 600, "60", False),
                                                     ("南恩新村", "old", 400, "60", True)):
            services.estate_save(by=county, data={"name": name, "division_code": "441702001001", "area_kind": kind,
                                                  "households": households, "room_area_m2": Decimal(area),
                                                  "handed_over": handed, "in_use": handed,
                                                  "latitude": Decimal("21.8430"), "longitude": Decimal("111.9540")})
        services.lease_save(by=county, data={"name": "原粮所仓库", "division_code": "441702001002",
                                             "owner_unit": "阳江市粮食储备有限公司", "floor_area_m2": Decimal("860"),
                                             "status": "leased", "lessee": "阳江市颐康护理服务有限公司",
                                             "start_date": dt.date(2025, 1, 1), "end_date": dt.date(2034, 12, 31)})
        path = net.grid_osm(tmp_path / "nanen.osm", south=21.83, west=111.94, rows=30, cols=30, seed=5)
        services.network_load(path=path, name="南恩测试路网")
        services.circle_compute()
    return county


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_county_staff_read_the_circle_its_map_and_where_to_build_next(live_server, page, shot, scene):
    page.set_viewport_size(DESKTOP)
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.click("[data-nav=planning]")
    page.wait_for_selector("[data-testid=kind-summary]")
    shot("90-planning-home")
    page.goto(f"{live_server.url}/planning/circle/?division=441702001")
    page.wait_for_selector("[data-testid=circle-map] canvas")
    assert "南恩测试路网" in page.inner_text("[data-testid=circle-method]")
    assert "北门社区" in page.inner_text("[data-testid=circle-table]")
    shot("91-planning-circle")
    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_selector("[data-testid=circle-map] canvas")
    _no_sideways_scroll(page)
    shot("91-planning-circle-phone")
    page.goto(f"{live_server.url}/planning/circle/next/")
    page.wait_for_selector("[data-testid=next-table]")
    assert page.locator("[data-testid=next-row]").count() >= 1
    _no_sideways_scroll(page)
    shot("92-planning-next-phone")


def test_estates_are_judged_by_the_rule_in_force_and_short_leases_flagged(live_server, page, shot, scene):
    page.set_viewport_size(DESKTOP)
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.goto(f"{live_server.url}/planning/estates/")
    page.wait_for_selector("[data-testid=estates-table]")
    assert "粤府办〔2019〕23号" in page.inner_text("[data-testid=rules-applied]")
    assert page.locator("[data-testid=estate-short]").count() == 1  # 江城御景: 60 m² for 600 households
    shot("93-planning-estates")
    page.goto(f"{live_server.url}/planning/compliance/")
    page.wait_for_selector("[data-testid=conflicting-rule]")
    assert "每户不低于20平方米" in page.inner_text("[data-testid=rules]")
    shot("94-planning-compliance")
    page.goto(f"{live_server.url}/planning/leases/")
    page.wait_for_selector("[data-testid=lease-short]")
    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_selector("[data-testid=leases-table]")
    _no_sideways_scroll(page)
    shot("95-planning-leases-phone")
    page.goto(f"{live_server.url}/planning/estates/")
    page.wait_for_selector("[data-testid=estates-table]")
    _no_sideways_scroll(page)
    shot("93-planning-estates-phone")
