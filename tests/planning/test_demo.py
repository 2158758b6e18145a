"""The demo: points for every community, estates in every state, leases of several terms, and the circle computed on
the generated network of central 江城区 (so the page shows real results on `make demo`)."""

from yanglao.core.demo import create_demo_accounts
from yanglao.core.models import User
from yanglao.core.testing import page_client
from yanglao.homecare.models import Facility
from yanglao.people.seeding import seed_people
from yanglao.planning import selectors
from yanglao.planning.demo import load_demo
from yanglao.planning.models import CommunityPoint, Estate, Method, PointTime, PropertyLease, WalkNetwork


def test_demo_loads_a_network_and_computes_the_circle_on_it(divisions):
    create_demo_accounts()
    seed_people(200, seed=2031, city="441702")
    for code in ("441702001001", "441702003002", "441702105001"):
        Facility.objects.create(name=f"{code}日间照料中心", kind="day_care", division_code=code)
    message = load_demo(seed=2026)
    assert CommunityPoint.objects.count() == 878, message
    assert WalkNetwork.objects.get(active=True).nodes > 2000
    methods = set(PointTime.objects.values_list("method", flat=True))
    assert methods == {Method.NETWORK, Method.STRAIGHT}
    judged = selectors.estates_with_compliance(Estate.objects.all(), selectors.rules_in_force())
    assert {e.compliant for e in judged} == {True, False}
    assert Estate.objects.filter(handed_over=False).exists() and Estate.objects.filter(in_use=False).exists()
    assert any(lease.term_short for lease in PropertyLease.objects.all())
    user = User.objects.get(username="jiangcheng")
    page = page_client(user).get("/planning/circle/").content.decode()
    assert "江城区中心城区步行路网（演示）" in page and "circle-map-data" in page
    assert "跳过" in load_demo(seed=2026)
