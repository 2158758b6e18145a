"""The demo: every order state present, settlements approved and awaiting the second signature, facilities,
meals, and the subsidy on the benefits report."""

from yanglao.core.demo import create_demo_accounts
from yanglao.core.models import User
from yanglao.core.testing import page_client
from yanglao.homecare.choices import OrderStatus
from yanglao.homecare.demo import load_demo
from yanglao.homecare.models import Facility, Meal, ServiceOrder, Settlement
from yanglao.people.seeding import seed_people


def test_demo_has_every_order_state_and_settlements(divisions):
    create_demo_accounts()
    seed_people(60, seed=2027, city="441702001001")
    message = load_demo(seed=2026)
    states = set(ServiceOrder.objects.values_list("status", flat=True))
    assert states == set(OrderStatus.values), message
    assert ServiceOrder.objects.filter(check_in_flagged=True).exists()
    assert set(Settlement.objects.values_list("status", flat=True)) == {"approved", "prepared"}
    assert Facility.objects.filter(kind="centre").exists() and Meal.objects.exists()
    report = page_client(User.objects.get(username="jiangcheng")).get("/benefits/reports/").content.decode()
    assert "居家社区养老服务补贴支出" in report
    assert "跳过" in load_demo(seed=2026)
