"""Queue pages show each viewer only what they need (issue 18, item 5): their own jurisdiction's
applicants with positions, everyone else as a count; the public lookup gives position and status only."""

import pytest
from django.test import Client

from yanglao.admissions import services
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client

pytestmark = pytest.mark.django_db


def test_the_console_queue_shows_other_counties_applicants_only_as_a_count(jiangcheng, home, new_person):
    yangxi = make_user(Role.COUNTY_STAFF, "441721", username="yangxi")
    tekun = new_person(name="黄秀英", categories=[{"category": "tekun", "valid_from": "2024-01-01"}])
    services.application_create(by=jiangcheng, person=tekun, institution=home)
    outsider = new_person(name="梁外县", division_code="441721100005", by=yangxi)
    services.application_create(by=yangxi, person=outsider, institution=home)
    page = page_client(yangxi).get("/admissions/", {"institution": home.pk}).content.decode()
    assert "梁外县" in page and "第" not in page.split("梁外县")[0][-5:]  # their own applicant, with a row
    assert "黄" not in page.split('data-testid="queue"')[1].split("</table>")[0].replace("黄秀", "")  # no initial
    assert "黄秀英" not in page and "特困" not in page.split('data-testid="queue"')[1].split("</table>")[0]
    assert "另有 1 名其他辖区的申请人" in page
    # the home's own county runs its queue: it sees every applicant to the home
    own = page_client(jiangcheng).get("/admissions/", {"institution": home.pk}).content.decode()
    assert "黄秀英" in own and "特困" in own and "梁外县" in own and "另有" not in own


def test_the_public_lookup_gives_position_and_status_only(jiangcheng, home, new_person):
    tekun = new_person(name="黄秀英", categories=[{"category": "tekun", "valid_from": "2024-01-01"}])
    app = services.application_create(by=jiangcheng, person=tekun, institution=home)
    result = services.public_lookup(reference=app.public_ref, factor=tekun.birth_date.isoformat())
    assert set(result) == {"name", "home", "status", "position", "waiting_total", "removed_until"}
    assert result["name"] == "黄*英"
    page = Client().post("/public/lookup/", {"kind": "queue", "reference": app.public_ref,
                                             "factor": tekun.id_last4}).content.decode()
    assert 'data-testid="position"' in page
    for secret in ("特困", "黄秀英", app.number):
        assert secret not in page.split('data-testid="lookup-result"')[1].split("</div>")[0]
