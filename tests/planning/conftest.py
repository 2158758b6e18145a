"""A small world for planning: communities of 南恩街道 with points, older people, day-care centres, and a walking
network generated for the test."""

from decimal import Decimal

import pytest

from yanglao.homecare.models import Facility
from yanglao.people.seeding import seed_people
from yanglao.planning import network as net
from yanglao.planning.models import CommunityPoint

NEAR, FAR, OUTSIDE, NOPOINT = "441702001001", "441702001002", "441702001003", "441702001004"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _rules_in_force(request):
    """The seeded rules, also after a transactional test emptied the database."""
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        request.getfixturevalue("db")
        from yanglao.planning.defaults import ensure_defaults

        ensure_defaults()


@pytest.fixture
def osm_file(tmp_path):
    """20 × 20 streets 150 m apart from (21.84, 111.95): about 2.9 km × 3.1 km."""
    return net.grid_osm(tmp_path / "nanen.osm", south=21.84, west=111.95, rows=20, cols=20, seed=7, missing=0.0)


@pytest.fixture
def world(jiangcheng):
    def point(code, lat, lon):
        CommunityPoint.objects.create(division_code=code, latitude=Decimal(lat), longitude=Decimal(lon))

    point(NEAR, "21.8420", "111.9530")  # two blocks from the day-care centre
    point(FAR, "21.8660", "111.9770")  # the far corner of the network: about 5 km on the streets
    point(OUTSIDE, "21.9200", "111.9530")  # 9 km north, off the network
    Facility.objects.create(name="南恩日间照料中心", kind="day_care", division_code=NEAR,
                            latitude=Decimal("21.8410"), longitude=Decimal("111.9515"))
    Facility.objects.create(name="北郊长者饭堂", kind="canteen", division_code=OUTSIDE, latitude=None, longitude=None)
    seed_people(12, seed=501, city=NEAR)
    seed_people(30, seed=502, city=FAR)
    seed_people(7, seed=503, city=OUTSIDE)
    seed_people(4, seed=504, city=NOPOINT)
    return jiangcheng
