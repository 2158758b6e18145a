import pytest

from yanglao.core.demo import DEMO_ACCOUNTS, create_demo_accounts
from yanglao.notices.models import Notice, SmsMessage, SmsOptOut
from yanglao.people.seeding import seed_people

pytestmark = pytest.mark.django_db


def test_the_demo_has_read_and_unread_messages_for_every_role_and_an_sms_log_in_every_state(
        divisions, django_capture_on_commit_callbacks):
    from yanglao.admissions.demo import load_demo as admissions_demo
    from yanglao.assessments.demo import load_demo as assessments_demo
    from yanglao.benefits.demo import load_demo as benefits_demo
    from yanglao.institutions.demo import load_demo as institutions_demo
    from yanglao.notices.demo import load_demo

    create_demo_accounts()
    seed_people(1500, seed=5)
    with django_capture_on_commit_callbacks(execute=True):  # as in `yanglao load_demo`: each step commits
        for loader in (assessments_demo, benefits_demo, institutions_demo, admissions_demo):
            loader(seed=5)
        message = load_demo(seed=5)
    for username, *_ in DEMO_ACCOUNTS:
        mine = Notice.objects.filter(recipient__username=username)
        assert mine.filter(read_at__isnull=True).exists() and mine.filter(read_at__isnull=False).exists(), username
    assert Notice.objects.filter(recipient__username="city2", kind="benefits.run_ready", read_at__isnull=True).exists()
    statuses = set(SmsMessage.objects.values_list("status", flat=True))
    assert statuses == {"sent", "failed", "queued", "opted_out"}, message
    assert SmsMessage.objects.filter(template="bed_offer", recipient_kind="family", status="sent").exists()
    assert SmsOptOut.objects.exists()
    assert "已存在" in load_demo(seed=5)
