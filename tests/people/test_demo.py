import pytest

from yanglao.core.demo import create_demo_accounts
from yanglao.people.demo import load_demo
from yanglao.people.models import UnmaskedExportRequest

pytestmark = pytest.mark.django_db


def test_demo_export_requests_show_every_state_and_never_self_approved(divisions):
    create_demo_accounts()
    load_demo(seed=2026)
    reqs = list(UnmaskedExportRequest.objects.all())
    assert {r.state for r in reqs} == {"pending", "approved", "used", "rejected"}
    assert all(r.decided_by_id != r.requested_by_id for r in reqs)
    assert "跳过" in load_demo(seed=2026)  # safe to run again
