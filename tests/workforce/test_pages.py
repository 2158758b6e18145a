import datetime as dt

import pytest

from tests.conftest import make_id
from tests.workforce.test_workforce import carer, config, home  # noqa: F401 - fixtures
from yanglao.core.testing import page_client
from yanglao.workforce.models import Caregiver

pytestmark = pytest.mark.django_db


def test_the_workforce_pages_open_for_county_staff(jiangcheng, carer):  # noqa: F811
    cg = carer(skill_level=5, certificate_no="P1")
    page = page_client(jiangcheng)
    for url in ["/workforce/", "/workforce/caregivers/", "/workforce/courses/", "/workforce/staffing/", "/workforce/rules/",
                f"/workforce/caregivers/{cg.pk}/", "/workforce/caregivers/new/"]:
        assert page.get(url).status_code == 200, url
    assert "五级/初级工" in page.get(f"/workforce/caregivers/{cg.pk}/").content.decode()


def test_a_caregiver_registered_in_the_console_with_a_bad_id_keeps_the_form(jiangcheng, home, config):  # noqa: F811
    page = page_client(jiangcheng)
    got = page.post("/workforce/caregivers/new/", {"name": "梁秀珍", "id_number": "441702198001011234", "role": "carer",
                                                   "institution": home.pk, "employed_since": "2025-01-01", "skill_level": "0"})
    assert got.status_code == 200 and 'data-testid="error-id_number"' in got.content.decode()
    got = page.post("/workforce/caregivers/new/", {"name": "梁秀珍", "id_number": make_id(birth="19800101", seq="555"),
                                                   "role": "carer", "institution": home.pk, "employed_since": "2025-01-01",
                                                   "skill_level": "5", "certificate_no": "S1", "health_cert_no": "H1",
                                                   "health_cert_expires_on": (dt.date.today() + dt.timedelta(days=90)).isoformat()})
    assert got.status_code == 302 and Caregiver.objects.count() == 1


def test_the_staffing_page_flags_a_home_below_the_norm(jiangcheng, home, carer, new_person):  # noqa: F811
    from yanglao.institutions.models import Residency

    for i in range(3):
        person = new_person(name="陈黄林"[i] + "秀英")
        Residency.objects.create(person=person, institution=home, admitted_on=dt.date(2026, 1, 1), division_code=home.division_code)
    text = page_client(jiangcheng).get("/workforce/staffing/").content.decode()
    assert f'data-testid="below-{home.pk}"' in text and "低于配比标准" in text
