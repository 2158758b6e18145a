"""The demo shows every screen working: projects in every state over months, loans out, overdue and
returned, care beds with visits, some below their agreed count, the carehome account serving its own."""

import datetime as dt

from django.db.models import F

from yanglao.homeadapt.models import CareBed, Loan, Project, ProjectStatus, ServiceRecord


def test_the_demo_has_every_state_spread_over_months(divisions):
    from yanglao.core.demo import create_demo_accounts
    from yanglao.homeadapt.demo import load_demo
    from yanglao.institutions.demo import load_demo as load_institutions
    from yanglao.people.seeding import seed_people

    create_demo_accounts()
    seed_people(240, seed=2026)
    seed_people(60, seed=2027, city="441702001001")
    load_institutions(seed=2026)
    assert "适老化改造项目" in load_demo(seed=2026)
    assert set(Project.objects.values_list("status", flat=True)) == set(ProjectStatus.values)
    months = {d.replace(day=1) for d in Project.objects.values_list("applied_on", flat=True)}
    assert len(months) >= 4
    today = dt.date.today()
    assert Loan.objects.filter(returned_on__isnull=True, due_on__lt=today).exists()
    assert Loan.objects.filter(returned_on__isnull=False).exists()
    assert Loan.objects.filter(returned_on__isnull=True, due_on__gte=today).exists()
    assert CareBed.objects.filter(institution__operator__isnull=False).exists()
    assert ServiceRecord.objects.filter(recorded_by__username="carehome").exists()
    start = today.replace(day=1)
    from django.db.models import Count, Q

    below = (CareBed.objects.filter(status="active")
             .annotate(done=Count("records", filter=Q(records__served_on__gte=start)))
             .filter(done__lt=F("visits_per_month")))
    assert below.exists()
    assert "已存在" in load_demo(seed=2026)  # safe to run again
