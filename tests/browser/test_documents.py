"""Documents in the browser: the print log and a finished job as county staff, the template settings as the
city administrator, and the public verification page a QR code opens. Desktop and phone, no sideways scroll."""

import pytest

from tests.documents.conftest import assessor1, assessor2, person, workflow  # noqa: F401 - fixtures
from tests.people.conftest import new_person  # noqa: F401 - fixture
from yanglao.core.testing import PASSWORD

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def both(page, shot, name: str) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(DESKTOP)
    shot(f"documents-{name}-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    shot(f"documents-{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_staff_see_the_print_log_and_anyone_verifies_a_printout(  # noqa: F811
        live_server, page, shot, person, workflow, jiangcheng, city_admin):  # noqa: F811
    from yanglao.documents import services
    from yanglao.documents.models import DocumentJob

    a = workflow(person)
    doc = services.render_one("assessments.report", a, jiangcheng).issued[0]
    job = DocumentJob.objects.create(kind="assessments.report", object_ids=[str(a.pk)], total=1, done=1,
                                     status="done", created_by=jiangcheng, division_code="441702",
                                     filename="x.pdf", message="共 1 份文书")
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.goto(f"{live_server.url}/assessments/{a.pk}/")
    assert page.locator("[data-testid='print-assessments.report'] button").count() == 1
    page.click("[data-nav=documents]")
    page.wait_for_selector("[data-testid=issued]")
    assert doc.number in page.inner_text("[data-testid=issued]")
    both(page, shot, "log")
    page.goto(f"{live_server.url}/documents/jobs/{job.pk}/")
    page.wait_for_selector("[data-testid=job-download]")
    both(page, shot, "job")
    page.goto(f"{live_server.url}/public/documents/verify/{doc.number}?h={doc.content_hash}")
    result = page.locator("[data-testid=verify-result]")
    assert result.get_attribute("data-genuine") == "yes" and person.name not in page.content()
    both(page, shot, "verify")
    page.goto(f"{live_server.url}/public/documents/verify/?number={doc.number}&h=0000000000000000")
    assert page.locator("[data-testid=verify-result]").get_attribute("data-genuine") == "no"
    both(page, shot, "verify-refused")


def test_the_city_administrator_words_a_document(live_server, page, shot, city_admin):
    login(page, live_server, "city", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.goto(f"{live_server.url}/documents/templates/")
    page.wait_for_selector("[data-testid=templates]")
    both(page, shot, "templates")
    page.click("[data-testid='edit-people.card']")
    page.fill("#id_issuing_unit", "阳江市民政局养老服务科")
    both(page, shot, "template-edit")
    page.click("[data-testid=template-form] button[type=submit]")
    page.wait_for_selector("[data-testid=templates]")
    assert "阳江市民政局养老服务科" in page.inner_text("[data-testid=templates]")
