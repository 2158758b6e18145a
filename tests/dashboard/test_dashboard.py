"""指标监测: indicators computed from the modules' live data per city, county and township, monthly snapshots
(idempotent, history from dated records), manual entries, status against target and deadline, the funding hook."""

import datetime as dt
import sys
import types
from decimal import Decimal

import pytest
from django.core.management import call_command

from yanglao.core.audit import AuditEntry
from yanglao.core.errors import ValidationFailed
from yanglao.core.models import Division
from yanglao.dashboard import services
from yanglao.dashboard.geo import metres_between, wgs84_to_gcj02
from yanglao.dashboard.indicators import BY_KEY, INDICATORS, Figure
from yanglao.dashboard.models import IndicatorSnapshot, ManualEntry
from yanglao.homecare import selectors as hc
from yanglao.homecare import services as hc_services

pytestmark = pytest.mark.django_db
NANEN, BEIMEN = "441702001", "441702001001"
TODAY = dt.date(2026, 11, 20)


def facility(by, **data):
    base = {"name": "设施", "kind": "day_care", "functions": [], "division_code": BEIMEN, "address": "",
            "hours": "8:00-17:30", "capacity": 30, "beds": 0, "operator_name": "康乐", "latitude": None,
            "longitude": None, "meal_item": None}
    served = data.pop("served", [])
    opened = data.pop("opened_on", None)
    f = hc_services.facility_save(by=by, data=base | data, served=served)
    if opened:
        type(f).objects.filter(pk=f.pk).update(opened_on=opened)
    return f


def snap(indicator, code, month=dt.date(2026, 11, 1)):
    return IndicatorSnapshot.objects.filter(indicator=indicator, division_code=code, month=month).first()


# --------------------------------------------------------------------------- the conversion for the map
def test_wgs84_points_are_moved_onto_gcj02_by_the_published_offset():
    # Tiananmen: WGS-84 (39.90733, 116.39124) is shown by AMap at about (39.90874, 116.39749)
    lat, lng = wgs84_to_gcj02(39.90733, 116.39124)
    assert abs(lat - 39.90874) < 0.0003 and abs(lng - 116.39749) < 0.0003
    # in Yangjiang the shift is a few hundred metres, and outside China nothing moves
    moved = wgs84_to_gcj02(21.857, 111.972)
    assert 200 < metres_between((21.857, 111.972), moved) < 900
    assert wgs84_to_gcj02(48.8584, 2.2945) == (48.8584, 2.2945)


# --------------------------------------------------------------------------- status against target and deadline
def test_status_is_green_when_met_amber_near_or_before_the_deadline_red_after_it():
    visit, lottery = BY_KEY["visit_rate"], BY_KEY["lottery_share"]
    assert visit.status(Figure(Decimal(100), 10, 10), TODAY) == "green"
    assert visit.status(Figure(Decimal("95"), 19, 20), TODAY) == "amber"  # within a tenth of the target
    assert visit.status(Figure(Decimal("60"), 6, 10), TODAY) == "red"  # 2020 deadline long past
    assert visit.status(Figure(Decimal("60"), 6, 10), dt.date(2020, 6, 30)) == "amber"  # before the deadline
    assert visit.status(None, TODAY) == "none" and visit.status(Figure(None), TODAY) == "none"
    assert lottery.status(Figure(Decimal("54.9")), TODAY) == "amber" and lottery.status(Figure(Decimal(40)), TODAY) == "red"
    star = BY_KEY["star_homes"]
    assert star.status(Figure(Decimal(3), Decimal(3), Decimal(4)), TODAY) == "red"  # 3 of 4 counties
    assert star.status(Figure(Decimal(4), Decimal(4), Decimal(4)), TODAY) == "green"


def test_every_target_of_the_requirements_table_has_an_indicator():
    text = open("/work/shared/policy/REQUIREMENTS.md", encoding="utf-8").read() if __import__("os").path.exists(
        "/work/shared/policy/REQUIREMENTS.md") else ""
    table = text.split("## Every numeric target in the documents")[-1]
    rows = [r for r in table.splitlines() if r.startswith("| ") and not r.startswith("| target") and "---" not in r]
    assert len(INDICATORS) >= (len(rows) or 16)
    assert len({i.key for i in INDICATORS}) == len(INDICATORS)


# --------------------------------------------------------------------------- live figures, per level
def test_coverage_indicators_per_township_county_and_city_equal_the_homecare_figures(jiangcheng, city_admin):
    urban = list(Division.objects.filter(parent_id=NANEN, urban_rural="urban").values_list("code", flat=True))
    facility(jiangcheng, name="南恩街道综合养老服务中心", kind="centre", functions=["day_care"], served=urban[:3])
    services.snapshot_month(TODAY, today=TODAY)
    total, rows = hc.coverage(city_admin)
    nanen = next(r for r in rows if r.code == NANEN)
    got = snap("urban_coverage", NANEN)
    assert got.level == 4 and got.numerator == nanen.urban_covered and got.denominator == nanen.urban
    assert snap("urban_coverage", "4417").numerator == total.urban_covered
    assert snap("urban_coverage", "441702").numerator == sum(r.urban_covered for r in rows if r.code.startswith("441702"))
    assert snap("centres", NANEN).value == 100 and snap("centres", NANEN).status == "green"
    assert snap("day_care", NANEN).numerator == nanen.day_care_covered
    # the township with no facility: red (2020 and 2022 are past)
    other = next(r for r in rows if r.code != NANEN and r.urban)
    assert snap("urban_coverage", other.code).value == 0 and snap("urban_coverage", other.code).status == "red"
    # indicators counted per city only have no township rows
    assert snap("catalogue", NANEN) is None and snap("catalogue", "4417") is not None


def test_the_snapshot_is_idempotent_per_month_and_a_rerun_replaces_the_figures(jiangcheng):
    services.snapshot_month(TODAY, today=TODAY)
    before = IndicatorSnapshot.objects.count()
    assert snap("urban_coverage", NANEN).numerator == 0
    facility(jiangcheng, name="北门长者饭堂", kind="canteen", functions=["meals"])
    call_command("dashboard_snapshot", "--month", "2026-11")
    assert IndicatorSnapshot.objects.count() == before
    assert snap("urban_coverage", NANEN).numerator == 1


def test_past_months_come_from_dated_records_and_undated_indicators_are_not_invented(jiangcheng):
    facility(jiangcheng, name="北门日间照料中心", kind="day_care", opened_on=dt.date(2026, 9, 10))
    services.snapshot_history(3, today=TODAY)  # August … November
    assert snap("day_care", NANEN, dt.date(2026, 8, 1)).numerator == 0  # not open yet
    assert snap("day_care", NANEN, dt.date(2026, 9, 1)).numerator == 1
    assert snap("day_care", NANEN, dt.date(2026, 8, 1)).source == "dated"
    # beds carry no history: no past rows for the nursing-bed share, and the current month says "no data"
    assert not IndicatorSnapshot.objects.filter(indicator="nursing_share", month__lt=dt.date(2026, 11, 1)).exists()
    assert snap("nursing_share", "4417").status == "none"


def test_the_visit_rate_is_last_months_and_comes_from_the_visits_module(jiangcheng, new_person):
    from yanglao.visits.models import Visit

    done, missed = new_person(name="陈秀英"), new_person(name="黄秀英")
    for person, status in [(done, "done"), (missed, "planned")]:
        Visit.objects.create(person=person, month=dt.date(2026, 10, 1), seq=1, tier_name="重点对象",
                             due_date=dt.date(2026, 10, 10), division_code=person.division_code, status=status)
    services.snapshot_month(TODAY, today=TODAY)
    got = snap("visit_rate", "441702")
    assert (got.numerator, got.denominator, got.value) == (1, 2, 50) and "2026年10月" in got.note
    assert snap("visit_rate", NANEN).value == 50 and snap("visit_rate", "4417").status == "red"


# --------------------------------------------------------------------------- manual entries and the funding hook
def test_a_manual_entry_fills_a_gap_is_audited_and_a_live_figure_wins(city_admin, jiangcheng):
    entry = services.manual_entry_create(by=city_admin, data={
        "indicator": "geriatric_hospital", "division_code": "4417", "value": "2", "as_of": dt.date(2026, 10, 1),
        "source_document": "市卫健局统计表"})
    assert AuditEntry.objects.filter(object_type__icontains="manualentry", object_id=str(entry.pk)).exists()
    assert str(entry) == "老年病、康复、护理、中医医院（与养老机构合作） · 阳江市 · 2026-10-01"  # the audit log's words
    services.snapshot_month(TODAY, today=TODAY)
    got = snap("geriatric_hospital", "4417")
    assert got.source == "manual" and got.value == 2 and got.status == "green" and "市卫健局统计表" in got.note
    with pytest.raises(ValidationFailed):  # outside the county's jurisdiction
        services.manual_entry_create(by=jiangcheng, data={"indicator": "lottery_share", "division_code": "441781",
                                                          "value": "60", "as_of": dt.date(2026, 10, 1),
                                                          "source_document": "x"})
    with pytest.raises(ValidationFailed):  # a percentage above 100
        services.manual_entry_create(by=city_admin, data={"indicator": "lottery_share", "division_code": "4417",
                                                          "value": "160", "as_of": dt.date(2026, 10, 1),
                                                          "source_document": "x"})
    # a live figure wins over a typed one
    ManualEntry.objects.create(indicator="catalogue", division_code="4417", value=0, as_of=dt.date(2026, 1, 1),
                               source_document="旧文件", entered_by=city_admin)
    services.snapshot_month(TODAY, today=TODAY)
    assert snap("catalogue", "4417").source == "live"


def test_the_lottery_share_is_read_from_the_funding_module_when_it_is_installed(monkeypatch, divisions):
    from django.apps import apps

    services.snapshot_month(TODAY, today=TODAY)
    if not apps.is_installed("yanglao.funding"):
        assert snap("lottery_share", "4417").status == "none"  # no funding module: no figure, no error
    share = types.SimpleNamespace(spent_elderly=Decimal("600000"), lottery_total=Decimal("1000000"), share=Decimal("0.6"))
    calls = []

    def lottery_share(*, year, prefix="4417"):
        calls.append((year, prefix))
        return share if prefix == "4417" else None

    fake = types.ModuleType("yanglao.funding.selectors")
    fake.lottery_share = lottery_share
    monkeypatch.setitem(sys.modules, "yanglao.funding", types.ModuleType("yanglao.funding"))
    monkeypatch.setitem(sys.modules, "yanglao.funding.selectors", fake)
    sys.modules["yanglao.funding"].selectors = fake
    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name == "yanglao.funding" or real(name))
    services.snapshot_month(TODAY, today=TODAY)
    got = snap("lottery_share", "4417")
    assert got.value == 60 and got.status == "green" and (2026, "4417") in calls
    assert snap("lottery_share", "441702").status == "none"


def test_the_demo_backfills_a_year_and_labels_what_it_invents(divisions):
    from yanglao.core.roles import Role
    from yanglao.core.testing import make_user
    from yanglao.dashboard import demo
    from yanglao.institutions.models import Bed, Institution

    make_user(Role.CITY_ADMIN, "4417", username="city")
    home = Institution.objects.create(name="江城区社会福利中心", ownership="public", division_code=BEIMEN, address="北门路1号")
    Bed.objects.create(institution=home, division_code=BEIMEN, bed_type="nursing", building="1", floor="1", room="101",
                       number="1")
    assert "13" in demo.load_demo(seed=1)
    months = set(IndicatorSnapshot.objects.filter(indicator="urban_coverage", division_code="4417")
                 .values_list("month", flat=True))
    assert len(months) == 13
    demo_rows = IndicatorSnapshot.objects.filter(source="demo")
    assert demo_rows.filter(indicator="nursing_share").count() == 12 * 3  # city, county, township × 12 months
    assert not demo_rows.filter(indicator__in=[i.key for i in INDICATORS if i.dated]).exists()
    assert "已存在" in demo.load_demo(seed=1)


def test_the_lottery_share_comes_from_the_real_funding_module(divisions):
    from django.apps import apps

    if not apps.is_installed("yanglao.funding"):
        pytest.skip("the funding module is not installed")
    from yanglao.funding.models import LotteryFund

    LotteryFund.objects.create(year=2026, division_code="4417", received=Decimal("1000000.00"))
    services.snapshot_month(TODAY, today=TODAY)
    got = snap("lottery_share", "4417")
    assert got.denominator == Decimal("1000000.00") and got.value == 0 and got.status == "red"  # nothing spent yet
    assert snap("lottery_share", "441781").status == "none"  # no fund recorded for that county
