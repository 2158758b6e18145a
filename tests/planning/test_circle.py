"""The 15-minute circle: a planner loads a local OpenStreetMap file, every community gets its walking minutes to the
nearest facility of each kind, the share of older people within 15 minutes per community and area, a straight-line
estimate where no network is loaded (and the page says so), and where to build next."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client
from yanglao.people.models import Person
from yanglao.planning import selectors, services
from yanglao.planning.models import CircleRun, Method, NetworkStatus, PointTime, WalkNetwork

from .conftest import FAR, NEAR, NOPOINT, OUTSIDE


def _active(code):
    return Person.objects.filter(division_code=code, status="active").count()


def _minutes(code, kind="day_care"):
    return PointTime.objects.get(run=selectors.current_run(), division_code=code, facility_kind=kind,
                                 point_kind="community")


def test_load_osm_command_computes_walking_minutes_on_the_network(world, osm_file):
    call_command("load_osm", str(osm_file))
    network = WalkNetwork.objects.get(active=True)
    assert network.status == NetworkStatus.READY and network.nodes == 400
    near, far, outside = _minutes(NEAR), _minutes(FAR), _minutes(OUTSIDE)
    assert near.method == far.method == Method.NETWORK
    assert near.minutes < 6  # two blocks
    assert 60 < far.minutes < 90  # about 5 km of streets at 1.2 m/s
    assert outside.method == Method.STRAIGHT  # 9 km off the network: the estimate, and it says so
    assert outside.minutes > 100
    # the canteen has no coordinates: it stands at its community's point, which is off the network
    assert _minutes(OUTSIDE, "canteen").minutes < 1
    # a facility off the network still counts for points on it, by the estimate (and the figure says so)
    assert _minutes(NEAR, "canteen").method == Method.STRAIGHT and _minutes(NEAR, "canteen").minutes > 100


def test_share_of_older_people_within_fifteen_minutes_per_community_and_township(world, osm_file):
    call_command("load_osm", str(osm_file))
    run = selectors.current_run()
    rows = {r.code: r for r in selectors.community_rows(world, "441702001", "day_care", run)}
    assert rows[NEAR].within == _active(NEAR) and rows[NEAR].outside == 0
    assert rows[FAR].outside == _active(FAR) and rows[FAR].within == 0
    assert rows[NOPOINT].unplaced == _active(NOPOINT)  # no point: not counted either way
    township = selectors.rollup(list(rows.values()), 9)[0]
    inside, placed = _active(NEAR), _active(NEAR) + _active(FAR) + _active(OUTSIDE)
    assert township.share_text == f"{inside / placed * 100:.1f}%"
    page = page_client(world).get("/planning/circle/?division=441702001&kind=day_care").content.decode()
    assert "步行路网" in page and township.share_text in page and "尚无坐标" in page


def test_where_to_build_next_ranks_communities_by_older_people_outside(world, osm_file):
    call_command("load_osm", str(osm_file))
    ranked = selectors.build_next(selectors.community_rows(world, "441702", "day_care", selectors.current_run()))
    assert [r.code for r in ranked[:2]] == [FAR, OUTSIDE]  # 30 outside before 7
    page = page_client(world).get("/planning/circle/next/?kind=day_care").content.decode()
    assert page.index("南恩街道") > 0 and "直线估算" in page


def test_without_a_network_the_straight_line_estimate_is_used_and_stated(world):
    run = services.circle_compute()
    assert run.network is None
    assert set(PointTime.objects.values_list("method", flat=True)) == {Method.STRAIGHT}
    page = page_client(world).get("/planning/circle/").content.decode()
    assert "尚未载入步行路网" in page and "绕行系数 1.40" in page


def test_a_planner_uploads_a_network_in_the_console_and_the_job_recomputes(world, osm_file,
                                                                          django_capture_on_commit_callbacks):
    client = page_client(world)
    with django_capture_on_commit_callbacks(execute=True):
        got = client.post("/planning/circle/network/", {"file": SimpleUploadedFile("nanen.osm", osm_file.read_bytes())})
    assert got.status_code == 302
    assert WalkNetwork.objects.get(active=True).filename == "nanen.osm"
    assert _minutes(NEAR).method == Method.NETWORK
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/planning/circle/recompute/").status_code == 302
    assert CircleRun.objects.filter(status="done").count() == 2
    assert PointTime.objects.exclude(run=selectors.current_run()).count() == 0  # older figures replaced
    bad = client.post("/planning/circle/network/", {"file": SimpleUploadedFile("roads.geojson", b"{}")})
    assert bad.status_code == 400 and "只支持" in bad.content.decode()


def test_a_file_that_cannot_be_read_fails_with_its_reason_and_keeps_the_network_in_use(world, osm_file, tmp_path):
    good = services.network_load(path=osm_file, name="good")
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node id='1'", encoding="utf-8")
    failed = services.network_load(path=broken, name="broken")
    assert failed.status == NetworkStatus.FAILED and "格式错误" in failed.error
    assert WalkNetwork.objects.get(active=True) == good


def test_township_staff_read_the_circle_of_their_own_area_only(world, osm_file):
    call_command("load_osm", str(osm_file))
    other = make_user(Role.TOWNSHIP_STAFF, "441702002")
    page = page_client(other).get("/planning/circle/?division=441702001").content.decode()
    assert "南恩" not in page.split("circle-table")[1]
    assert page_client(other).post("/planning/circle/recompute/").status_code == 403


def test_planners_import_community_points_from_a_spreadsheet(world):
    from yanglao.planning.models import CommunityPoint

    csv = "村（社区）,纬度,经度\n龙津社区,21.8500,111.9600\n北门社区,21.8430,111.9540\n不存在社区,21.8,111.9\n金鸡社区,北纬,111.9\n"
    client = page_client(world)
    page = client.post("/planning/circle/points/", {"file": SimpleUploadedFile("坐标.csv", csv.encode("utf-8"))})
    text = page.content.decode()
    assert "共 4 条，成功 2 条" in text and "新增 1，更新 1" in text and "第 5 行 · 纬度" in text
    assert CommunityPoint.objects.get(division_code=NOPOINT).source == "import"
    township = make_user(Role.TOWNSHIP_STAFF, "441702001")
    assert page_client(township).get("/planning/circle/points/").status_code == 200
    assert page_client(township).post("/planning/circle/points/", {}).status_code == 403
