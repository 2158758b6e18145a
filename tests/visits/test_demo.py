"""The demo shows every state a newcomer should see: done, missed with a reason, overdue, referrals open
and closed, a refusal of consent, a visit after a major change on the worker's list."""

from __future__ import annotations

import pytest

from yanglao.core.audit import AuditActor, audit_context
from yanglao.core.demo import create_demo_accounts
from yanglao.core.models import User
from yanglao.core.testing import page_client
from yanglao.people.seeding import seed_people
from yanglao.visits import demo, selectors
from yanglao.visits.models import Referral, Visit, VisitConsent

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_state_and_nanen_sees_last_months_rate(divisions):
    with audit_context(actor=AuditActor(user_id=None, username="cli:load_demo")):
        create_demo_accounts()
        seed_people(200, seed=2026)
        seed_people(60, seed=2027, city="441702001001")
        message = demo.load_demo(seed=2026)
    assert "探访计划" in message
    assert demo.load_demo(seed=2026).endswith("未重复生成")
    statuses = set(Visit.objects.values_list("status", flat=True))
    assert statuses == {"planned", "done", "missed"}
    assert Visit.objects.filter(status="missed").exclude(missed_reason="").exists()
    assert {"open", "accepted", "closed", "cancelled"} <= set(Referral.objects.values_list("status", flat=True))
    assert VisitConsent.objects.filter(agreed=False).exists()
    beimen = User.objects.get(username="beimen")
    assert Visit.objects.filter(visitor__user=beimen, kind="change").exists()
    nanen = User.objects.get(username="nanen")
    total, rows = selectors.rate_rows(nanen, selectors.last_month(), "441702001")
    assert total.due > 0 and 0 < total.visited < total.due
    page = page_client(nanen).get("/visits/").content.decode()
    assert total.rate_text in page
    assert page_client(beimen).get("/visits/mine/").status_code == 200


def test_every_visits_page_opens_for_every_role_that_has_it(divisions):
    with audit_context(actor=AuditActor(user_id=None, username="cli:load_demo")):
        create_demo_accounts()
        seed_people(60, seed=2027, city="441702001001")
        demo.load_demo(seed=2026)
    rec = Visit.objects.filter(status="done").first().record
    pages = ["/visits/", "/visits/missed/", "/visits/plan/", "/visits/plan/?status=overdue", "/visits/referrals/",
             "/visits/referrals/?status=open", "/visits/visitors/", "/visits/tiers/", f"/visits/records/{rec.pk}/"]
    recorders = ["/visits/mine/", "/visits/consent/", "/visits/change/"]
    for username in ("city", "jiangcheng", "nanen", "beimen"):
        client = page_client(User.objects.get(username=username))
        for url in pages + (recorders if username in ("nanen", "beimen") else []):
            assert client.get(url).status_code == 200, (username, url)
    assert page_client(User.objects.get(username="assessor1")).get("/visits/").status_code == 403


def test_bad_visitor_and_consent_input_is_refused(divisions):
    import datetime as dt

    from django.utils import timezone

    from yanglao.core.errors import ValidationFailed
    from yanglao.visits import services

    with audit_context(actor=AuditActor(user_id=None, username="t")):
        create_demo_accounts()
        seed_people(5, seed=2027, city="441702001001")
    nanen = User.objects.get(username="nanen")
    with pytest.raises(ValidationFailed):
        services.visitor_create(by=nanen, name="", kind="astronaut", division_code="441702001")
    beimen = User.objects.get(username="beimen")
    person = __import__("yanglao.people.models", fromlist=["Person"]).Person.objects.first()
    with pytest.raises(ValidationFailed):
        services.consent_record(by=beimen, person=person, agreed=True, on=timezone.localdate() + dt.timedelta(days=1))
    client = page_client(nanen)
    resp = client.post("/visits/visitors/", {"name": "", "kind": "community_worker", "division_code": ""})
    assert resp.status_code == 400
