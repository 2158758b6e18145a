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
    assert statuses == ["approved", "preview", "reconciled"], message  # 高龄津贴 has the month before last too
    assert PaymentRun.objects.get(programme=gaoling, status="reconciled").people_count > 0
    assert "跳过" in load_demo(seed=7)


def test_the_demo_has_a_confirmed_death_list_recoveries_in_every_state_and_a_proof_of_life_resumption(divisions):
    from yanglao.benefits.models import MatchBatch, Recovery, Suspension

    create_demo_accounts()
    seed_people(3000, seed=11)
    message = load_demo(seed=11)
    batch = MatchBatch.objects.get()
    assert (batch.changes, batch.confirmed, batch.bad, batch.not_found) == (6, 6, 1, 1), message
    assert set(Recovery.objects.values_list("status", flat=True)) == {"open", "partly", "recovered", "written_off"}
    assert Recovery.objects.filter(status="open", write_off_requested_by__isnull=False).exists()
    pol = Suspension.objects.filter(reason="proof_of_life")
    assert pol.filter(lifted_at__isnull=False).count() == 1 and pol.filter(lifted_at__isnull=True).exists(), message
    gaoling = Programme.objects.get(code="gaoling")
    current = PaymentRun.objects.get(programme=gaoling, status="preview")
    assert current.lines.filter(kind="back_pay", person=pol.get(lifted_at__isnull=False).person).exists()
