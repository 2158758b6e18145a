"""指标监测 pages for every role: the director's city board with counties and trend, a county with its townships,
a township with its communities, 404 outside one's jurisdiction, the wall screen, the portal's published subset."""

import re

import pytest
from django.utils import timezone

from yanglao.core.roles import Role
from yanglao.core.testing import assert_jurisdiction_scoped, make_user, page_client
from yanglao.dashboard import services
from yanglao.dashboard.indicators import INDICATORS

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshots(divisions):
    today = timezone.localdate()
    services.snapshot_history(2, today=today)
    return today


def test_the_director_sees_every_city_target_with_each_county_and_drills_down(city_admin, snapshots):
    page = page_client(city_admin)
    text = page.get("/dashboard/").content.decode()
    for ind in INDICATORS:
        assert f'data-testid="line-{ind.key}"' in text, ind.key
    for county in ("江城区", "阳东区", "阳西县", "阳春市"):
        assert county in text
    assert 'data-testid="drill-441702"' in text and 'id="dash-charts"' in text and 'id="dash-map-data"' in text
    county = page.get("/dashboard/?d=441702").content.decode()
    assert 'data-testid="drill-441702001"' in county and "南恩街道" in county
    township = page.get("/dashboard/?d=441702001").content.decode()
    assert 'data-testid="communities"' in township and "北门社区" in township


def test_county_staff_see_their_county_and_townships_and_nothing_of_another(jiangcheng, snapshots):
    text = page_client(jiangcheng).get("/dashboard/").content.decode()
    assert "南恩街道" in text and "阳春市" not in text
    assert page_client(jiangcheng).get("/dashboard/?d=4417").status_code == 404
    assert page_client(jiangcheng).get("/dashboard/?d=441781").status_code == 404


def test_the_board_is_scoped_to_the_jurisdiction(snapshots):
    assert_jurisdiction_scoped(division_code="441702001", list_url="/dashboard/?d=441702", marker="南恩街道", api=False,
                               extra_get_urls=("/dashboard/?d=441702001", "/dashboard/indicators/day_care/?d=441702",
                                               "/dashboard/screen/?d=441702"))


def test_township_staff_see_their_communities(snapshots):
    nanen = make_user(Role.TOWNSHIP_STAFF, "441702001")
    text = page_client(nanen).get("/dashboard/").content.decode()
    assert 'data-testid="communities"' in text and "北门社区" in text
    assert page_client(nanen).get("/dashboard/?d=441702").status_code == 404


def test_roles_without_the_dashboard_get_403(snapshots):
    assessor = make_user(Role.ASSESSOR, "441702")
    assert page_client(assessor).get("/dashboard/").status_code == 403


def test_the_wall_screen_refreshes_itself_without_inline_script(city_admin, snapshots):
    text = page_client(city_admin).get("/dashboard/screen/").content.decode()
    assert 'data-refresh-seconds="300"' in text and 'data-testid="tile-visit_rate"' in text
    inline = [s for s in re.findall(r"<script([^>]*)>", text) if "src=" not in s and 'type="application/json"' not in s]
    assert inline == []


def test_the_indicator_page_shows_its_definition_history_and_children(city_admin, snapshots):
    text = page_client(city_admin).get("/dashboard/indicators/urban_coverage/").content.decode()
    assert "YJ 5, GD 1" in text and 'id="dash-history-data"' in text and "阳春市" in text
    assert page_client(city_admin).get("/dashboard/indicators/nothing/").status_code == 404
    registry = page_client(city_admin).get("/dashboard/indicators/").content.decode()
    assert all(i.key in registry for i in INDICATORS)


def test_refreshing_is_a_post_for_the_city_only(city_admin, jiangcheng, divisions):
    assert page_client(city_admin).get("/dashboard/refresh/").status_code == 405
    got = page_client(city_admin).post("/dashboard/refresh/")
    assert got.status_code == 302
    from yanglao.dashboard.models import IndicatorSnapshot

    assert IndicatorSnapshot.objects.filter(month=timezone.localdate().replace(day=1)).exists()
    assert page_client(jiangcheng).post("/dashboard/refresh/").status_code == 404


def test_a_manual_entry_is_made_in_the_console_and_listed(city_admin, divisions):
    page = page_client(city_admin)
    got = page.post("/dashboard/manual/new/", {"indicator": "geriatric_hospital", "division_code": "4417", "value": "1",
                                              "as_of": "2026-10-01", "source_document": "市卫健局统计表"})
    assert got.status_code == 302
    assert "市卫健局统计表" in page.get("/dashboard/manual/").content.decode()
    bad = page.post("/dashboard/manual/new/", {"indicator": "geriatric_hospital", "division_code": "4417", "value": "1",
                                              "as_of": "2099-10-01", "source_document": "x"})
    assert bad.status_code == 200 and 'data-testid="error-as_of"' in bad.content.decode()


def test_the_portal_shows_only_the_published_subset_without_an_account(client, snapshots):
    text = client.get("/public/dashboard/").content.decode()
    assert 'data-testid="pub-visit_rate"' in text
    assert 'data-testid="pub-training"' not in text  # declared unpublished
    county = client.get("/public/dashboard/?d=441781").content.decode()
    assert "阳春市" in county and "南恩街道" not in county
    assert client.get("/public/dashboard/?d=441702001").status_code == 200  # a township is not offered: the city


def test_the_city_page_reads_a_bounded_number_of_queries(city_admin, snapshots, django_assert_max_num_queries):
    page = page_client(city_admin)
    page.get("/dashboard/")
    with django_assert_max_num_queries(40):
        assert page.get("/dashboard/").status_code == 200


def test_the_workbench_card_counts_the_statuses(city_admin, snapshots):
    from yanglao.dashboard.selectors import status_counts_for

    counts = status_counts_for(city_admin)
    text = page_client(city_admin).get("/").content.decode()
    assert "政策指标" in text and f"{counts['green']} / {counts['amber']} / {counts['red']}" in text
    assert sum(counts.values()) == len([i for i in INDICATORS if 2 in i.levels])


def test_the_directors_page_shows_who_is_late_on_the_40_policy_tasks(city_admin, snapshots):
    from yanglao.policytasks import services as policytasks
    from yanglao.policytasks.models import Task

    policytasks.load_table()  # no progress reported: every task whose deadline has passed is overdue
    first = Task.objects.get(number=1)
    text = page_client(city_admin).get("/dashboard/").content.decode()
    assert 'data-testid="policy-tasks-panel"' in text and "政策任务督办（40项）" in text
    late = text.split('data-testid="late-tasks"')[1].split("</table>")[0]
    assert f'href="/policytasks/{first.number}/"' in late and first.lead.name in late


def test_the_policy_task_panel_is_left_out_for_roles_without_the_task_list(snapshots):
    from yanglao.policytasks import services as policytasks

    policytasks.load_table()
    inspector = make_user(Role.INSPECTOR, "4417", username="dash-inspector")
    text = page_client(inspector).get("/dashboard/").content.decode()
    assert inspector.can("dashboard.view") and not inspector.can("policytasks.view")
    assert 'data-testid="policy-tasks-panel"' not in text
