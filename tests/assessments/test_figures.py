"""Figures: level distribution by county and township, and the list of people at level ≥ 2."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from yanglao.assessments import selectors
from yanglao.core.models import AuditAction, AuditEntry
from yanglao.core.testing import page_client

from .conftest import make_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(new_person, workflow, yangxi):
    """Jiangcheng: levels 0, 2, 4 and one expired (counts as unassessed) and one unassessed; Yangxi: level 3."""
    from yanglao.people import services as people

    today = timezone.localdate()
    made = {
        "zero": workflow(new_person(name="张甲"), total=90),
        "two": workflow(new_person(name="王乙", division_code="441702002001"), total=50),
        "four": workflow(new_person(name="赵丙"), total=10),
        "expired": workflow(new_person(name="钱丁"), total=40, on=today - dt.timedelta(days=400)),
    }
    new_person(name="孙戊")
    far = people.person_create(by=yangxi, data={"name": "周己", "id_number": make_id("441721", seq="555"),
                                                "division_code": "441721100005", "living_situation": "alone"})
    return made, far


def test_level_distribution_by_county_and_township(population, city_admin, jiangcheng):
    today = timezone.localdate()
    rows = {r["division"]: r["levels"] for r in selectors.level_distribution(city_admin, today, by="county")}
    assert rows["441702"] == {0: 1, 1: 0, 2: 1, 3: 0, 4: 1, None: 2}
    assert rows["441721"] == {0: 0, 1: 0, 2: 0, 3: 0, 4: 0, None: 1}
    township = {r["division"]: r["levels"] for r in selectors.level_distribution(jiangcheng, today, by="township")}
    assert set(township) == {"441702001", "441702002"}
    assert township["441702002"] == {0: 0, 1: 0, 2: 1, 3: 0, 4: 0, None: 0}


def test_people_at_moderate_disability_or_worse(population, jiangcheng, yangxi):
    made, _far = population
    today = timezone.localdate()
    people = list(selectors.people_at_level(jiangcheng, today))
    assert [(p.name, p.care_level) for p in people] == [("赵丙", 4), ("王乙", 2)]
    assert list(selectors.people_at_level(yangxi, today)) == []


def test_figures_page_and_export(population, jiangcheng):
    client = page_client(jiangcheng)
    page = client.get("/assessments/figures/").content.decode()
    assert 'id="level-chart-data"' in page and "江城区" in page and "王乙" in page and "张甲" not in page.split(
        'data-testid="level2-table"')[1]
    response = client.get("/assessments/figures/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("档案编号", "姓名", "身份证号码（脱敏）")
    assert sorted(r[1] for r in rows[1:]) == sorted(["赵丙", "王乙"])
    assert all("*" in r[2] for r in rows[1:])
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, object_type="people.person",
                                     extra__masked=True, extra__count=2).exists()



def test_the_level_list_filters_by_a_township_name(population, jiangcheng):
    client = page_client(jiangcheng)
    page = client.get("/assessments/figures/", {"division_text": "南恩街道"})
    assert page.status_code == 200 and 'data-picker="division"' in page.content.decode()
    assert "placeholder=\"441702001\"" not in page.content.decode()
    page = client.get("/assessments/figures/", {"division_text": "阳西县"}).content.decode()
    assert 'data-testid="error-division"' in page and "不在您的管辖范围" in page
    assert client.get("/assessments/figures/export.xlsx", {"division": "441702001"}).status_code == 200
