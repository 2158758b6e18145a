"""The exchanges and their runs: each configured in one place, each run logged with its errors and
what it changed; the data-matching imports of the benefits module logged as runs; every page scoped."""

import datetime as dt

import pytest

from tests.conftest import make_id, needs_postgres
from yanglao.core.errors import Forbidden
from yanglao.core.models import AuditEntry
from yanglao.core.testing import assert_jurisdiction_scoped, page_client
from yanglao.exchanges import services
from yanglao.exchanges.models import Exchange, ExchangeRun

from .conftest import xlsx


def test_the_exchanges_are_configured_in_one_place_and_changes_are_audited(city_admin, jiangcheng):
    assert {"national-batch", "national-return", "ltc-settlement", "match-death", "match-disability"} <= set(
        Exchange.objects.values_list("code", flat=True))
    ex = Exchange.objects.get(code="ltc-settlement")
    services.exchange_update(by=city_admin, exchange=ex, data={"layout_version": "1.1", "contact": "医保局待遇科"})
    entry = AuditEntry.objects.filter(object_type="exchanges.exchange", object_id=str(ex.pk)).latest("id")
    assert entry.changes["layout_version"] == ["1.0", "1.1"]
    with pytest.raises(Forbidden):
        services.exchange_update(by=jiangcheng, exchange=ex, data={"layout_version": "9"})
    new = services.exchange_create(by=city_admin, data={
        "code": "civil-marriage", "name": "婚姻登记信息", "partner": "市民政局婚姻登记处", "direction": "in",
        "carries": "配偶死亡、离婚", "frequency": "monthly", "layout": "名单 .xlsx", "layout_version": "1.0"})
    assert page_client(city_admin).get(f"/exchanges/{new.pk}/").status_code == 200
    assert page_client(jiangcheng).get(f"/exchanges/{new.pk}/edit/").status_code == 403


@needs_postgres
def test_a_data_matching_import_of_the_benefits_module_is_a_run_of_its_exchange(jiangcheng, new_person):
    from yanglao.benefits import matching

    p = new_person(name="黄秀英", id_number=make_id(birth="19400101", seq="201"))
    content = xlsx(["姓名", "公民身份号码", "死亡日期"], [("黄秀英", make_id(birth="19400101", seq="201"), "2026-10-03"),
                                                    ("无名", "123", "2026-10-03")])
    batch = matching.match_import(by=jiangcheng, kind="death", filename="死亡名单.xlsx", content=content,
                                  source_unit="阳江市公安局江城分局", document_no="江公户〔2026〕10号",
                                  today=dt.date(2026, 11, 29))
    run = ExchangeRun.objects.get(exchange__code="match-death")
    assert (run.event, run.rows_total, run.rows_bad, run.status, run.division_code) == ("import", 2, 1, "with_errors",
                                                                                       "441702")
    assert run.errors[0]["row"] == "3" and run.source_url == f"/benefits/matching/{batch.pk}/"
    matching.match_confirm(by=jiangcheng, batch=batch)
    confirm = ExchangeRun.objects.get(exchange__code="match-death", event="confirm")
    assert confirm.rows_changed == 1 and "江公户〔2026〕10号" in confirm.changed
    p.refresh_from_db()
    assert p.status == "deceased"


def test_a_run_is_seen_by_its_county_only(divisions):
    run = services.run_record(exchange="match-death", event="import", by=None, status="ok", division_code="441702",
                              filename="死亡名单（江城）.xlsx", rows_total=3, rows_ok=3)
    assert_jurisdiction_scoped(division_code="441702", detail_url=f"/exchanges/runs/{run.pk}/",
                               list_url="/exchanges/", marker="死亡名单（江城）.xlsx", api=False)


def test_a_persons_ltc_page_is_seen_within_their_county_only(jiangcheng, new_person):
    p = new_person(name="黄秀英")
    services.ltc_benefit_add(by=jiangcheng, person=p, data={"level": 4, "setting": "home",
                                                           "from_month": dt.date(2026, 6, 1)})
    assert_jurisdiction_scoped(division_code="441702", detail_url=f"/exchanges/ltc/people/{p.pk}/",
                               list_url="/exchanges/ltc/", marker="黄秀英", api=False)


def test_county_staff_may_not_record_ltc_for_a_person_of_another_county(yangxi, new_person):
    p = new_person(name="黄秀英")
    with pytest.raises(Forbidden):
        services.ltc_benefit_add(by=yangxi, person=p, data={"level": 3, "setting": "home",
                                                           "from_month": dt.date(2026, 6, 1)})


def test_ltc_assessment_keeps_its_own_level_beside_the_gbt_result(jiangcheng, new_person):
    from tests.institutions.conftest import give_care_level

    p = new_person(name="黄秀英")
    give_care_level(p, 2)
    client = page_client(jiangcheng)
    data = {"assessed_on": "2026-10-10", "adl_score": 35, "cognition_score": 10, "perception_score": 8, "level": 4,
            "agency": "阳江市长护险评估中心", "document_no": "阳长评〔2026〕101号", "item_进食": 5, "item_洗澡": 0}
    got = client.post(f"/exchanges/ltc/people/{p.pk}/assessments/new/", data)
    assert got.status_code == 302
    a = p.ltc_assessments.get()
    assert (a.level, a.items) == (4, {"进食": 5, "洗澡": 0})
    page = client.get(f"/exchanges/ltc/people/{p.pk}/").content.decode()
    assert "重度失能Ⅱ级" in page and "GB/T 42195-2022" in page and "医保办发〔2021〕37号" in page
    assert len(services.ITEM_NAMES) == 17 and len(services.ITEMS) == 3


@pytest.mark.parametrize("url", ["/exchanges/", "/exchanges/national/", "/exchanges/national/layouts/",
                                 "/exchanges/ltc/", "/exchanges/ltc/person/", "/exchanges/new/",
                                 "/exchanges/ltc/providers/new/", "/exchanges/ltc/offsets/new/",
                                 "/exchanges/ltc/settlements/new/", "/exchanges/national/returns/new/"])
def test_the_city_opens_every_page(city_admin, url):
    assert page_client(city_admin).get(url).status_code == 200


def test_the_workbench_asks_the_city_to_confirm_settlements_and_record_last_quarter_as_sent(city_admin, jiangcheng):
    from yanglao.core.todos import todo_list
    from yanglao.exchanges.models import LtcSettlement

    keys = {t.key: t for t in todo_list(city_admin)}
    assert keys["exchanges.national"].item.urgent and "未登记报送" in keys["exchanges.national"].item.note
    assert "exchanges.settlements" not in keys
    LtcSettlement.objects.create(month=dt.date(2026, 10, 1), filename="a.xlsx", file_sha256="x" * 64,
                                 uploaded_by=city_admin)
    assert {t.key for t in todo_list(city_admin)} >= {"exchanges.settlements", "exchanges.national"}
    assert not {t.key for t in todo_list(jiangcheng)} & {"exchanges.settlements", "exchanges.national"}
