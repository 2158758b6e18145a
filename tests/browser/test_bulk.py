"""Bulk actions in a real browser: a township ticks rows on the due list, chooses "all matching",
confirms once with a comment, and reads the result per record — on a desktop and on a phone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.bulk.conftest import make_due, township  # noqa: F401 - fixtures
from tests.people.conftest import new_person  # noqa: F401 - fixture
from yanglao.core.testing import PASSWORD

from .conftest import SHOTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_a_township_selects_confirms_and_reads_the_result_on_desktop_and_phone(  # noqa: F811
        live_server, page, shot, township, make_due):  # noqa: F811
    from yanglao.assessments import services

    due = make_due(24)
    # one person's reassessment was already requested by a colleague: reported, not requested twice
    services.reassessment_request(by=township, person=due[0].person, reason="periodic", requested_via="staff")
    login(page, live_server, "nanen", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(f"{live_server.url}/assessments/due/")
    page.wait_for_selector("[data-testid=bulk-bar]")
    boxes = page.locator("input[data-bulk-row]")
    boxes.nth(0).check()
    boxes.nth(2).check()
    assert page.inner_text("[data-bulk-count]") == "2"
    page.check("[data-testid=bulk-page]")
    assert page.inner_text("[data-bulk-count]") == "20"
    shot("bulk-01-selection-desktop")
    page.check("[data-testid=bulk-all] input")
    page.set_viewport_size({"width": 390, "height": 844})
    shot("bulk-02-selection-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 860})
    page.click("[data-testid=bulk-action-reassess]")
    page.wait_for_selector("[data-testid=bulk-confirm]")
    assert "将对符合搜索条件的全部 24 条记录执行“发起复评”" in page.inner_text("[data-testid=bulk-what]")
    page.fill("[data-testid=bulk-comment]", "2026年12月到期人员集中复评")
    shot("bulk-03-confirm-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    shot("bulk-04-confirm-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 860})
    page.click("[data-testid=bulk-submit]")
    page.wait_for_selector("[data-testid=bulk-progress][data-status=done]")
    assert "共 24 条，成功 23 条，已办理过未重复 1 条，未办理 0 条" in page.inner_text("[data-testid=bulk-summary]")
    assert "已有进行中的评估（已申请" in page.inner_text("tr[data-outcome=skipped]")
    shot("bulk-05-result-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    shot("bulk-06-result-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    DOCS.mkdir(parents=True, exist_ok=True)
    for name in ("bulk-01-selection-desktop", "bulk-03-confirm-desktop", "bulk-05-result-desktop",
                 "bulk-06-result-phone"):
        shutil.copy(SHOTS / f"{name}.png", DOCS / f"{name}.png")
