"""Policy tasks in a real browser: the bureau's view of the 40 tasks and a task's history on a desktop (1280×800) and a
phone (390×844), and a unit reporting progress with an attachment."""

from __future__ import annotations

from pathlib import Path

import pytest

from yanglao.core.audit import AuditActor, audit_context
from yanglao.core.demo import DEMO_PASSWORD, create_demo_accounts
from yanglao.policytasks.demo import load_demo
from yanglao.policytasks.models import ProgressReport

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def scene(divisions):  # type: ignore[no-untyped-def]
    with audit_context(actor=AuditActor(user_id=None, username="test")):
        create_demo_accounts()
        load_demo(seed=2026)


def test_the_bureau_sees_every_status_and_a_task_history_on_a_desktop_and_a_phone(scene, page, live_server):
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, live_server, "city", DEMO_PASSWORD)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/policytasks/")
        for status in ("on_track", "due_soon", "overdue", "done", "continuing"):
            assert page.locator(f'[data-testid="count-{status}"] .value').inner_text() != "0"
        page.screenshot(path=str(DOCS_SHOTS / f"policytasks-list-{label}.png"), full_page=(label == "desktop"))
        page.goto(f"{live_server.url}/policytasks/17/")
        assert "已逾期" in page.locator('[data-testid="task-status"]').inner_text()
        page.screenshot(path=str(DOCS_SHOTS / f"policytasks-detail-{label}.png"), full_page=(label == "desktop"))
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]


def test_a_unit_reports_progress_with_an_attachment_from_a_phone(scene, page, live_server, tmp_path):
    page.set_viewport_size(PHONE)
    login(page, live_server, "ziranziyuan", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/policytasks/8/")
    page.locator('[data-testid^="report-"]').first.click()
    page.fill("#id_percent", "60")
    page.fill("#id_text", "闲置资产清单已汇总，方案报市政府审定")
    pdf = tmp_path / "方案.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.set_input_files("#id_files", str(pdf))
    page.screenshot(path=str(DOCS_SHOTS / "policytasks-report-phone.png"), full_page=True)
    page.click('[data-testid="submit"]')
    page.wait_for_url(f"{live_server.url}/policytasks/8/")
    assert "闲置资产清单已汇总" in page.content() and "方案.pdf" in page.content()
    assert ProgressReport.objects.filter(task__number=8, text__startswith="闲置资产", attachments__isnull=False).exists()
