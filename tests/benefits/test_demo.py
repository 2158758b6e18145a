from yanglao.benefits.demo import load_demo
from yanglao.benefits.models import PaymentRun, Programme
from yanglao.core.demo import create_demo_accounts
from yanglao.people.seeding import seed_people


def test_the_demo_creates_labelled_programmes_a_reconciled_and_a_previewed_run(divisions):
    create_demo_accounts()
    seed_people(400, seed=7)
    message = load_demo(seed=7)
    assert all(p.is_demo and "演示数值" in p.name for p in Programme.objects.all())
    gaoling = Programme.objects.get(code="gaoling")
    statuses = sorted(PaymentRun.objects.filter(programme=gaoling).values_list("status", flat=True))
    assert statuses == ["preview", "reconciled"], message
    assert PaymentRun.objects.get(programme=gaoling, status="reconciled").people_count > 0
    assert "跳过" in load_demo(seed=7)
