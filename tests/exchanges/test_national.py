"""The national elderly-care information system: batch files in a documented, versioned layout, checked
before download (failing rows kept out, reported per row), a record of what was sent when; the lists it
sends back matched by ID number into a review list."""

import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import make_id
from yanglao.core.errors import Conflict, Forbidden
from yanglao.core.models import AuditEntry
from yanglao.core.testing import page_client
from yanglao.core.validators import uscc_check_character
from yanglao.exchanges import layouts, services
from yanglao.exchanges.models import ExchangeRun, NationalRegistration
from yanglao.institutions import services as inst_services
from yanglao.people import services as people_services
from yanglao.people.validation import CategoryInput

from .conftest import xlsx

TODAY = dt.date(2026, 11, 29)


def uscc(first17: str) -> str:
    return first17 + uscc_check_character(first17)


@pytest.fixture
def homes(jiangcheng):
    good = inst_services.institution_create(by=jiangcheng, data={
        "name": "阳江市康寿颐养院", "ownership": "private_nonprofit", "division_code": "441702001001",
        "address": "东风路1号", "capacity": 80, "credit_code": uscc("52441702MJL00001A")})
    bad = inst_services.institution_create(by=jiangcheng, data={
        "name": "江城区社会福利中心", "ownership": "public", "division_code": "441702001001", "address": "北门路9号",
        "capacity": 100})
    for inst in (good, bad):
        inst_services.beds_add(by=jiangcheng, institution=inst, building="1号楼", floor="1", rooms=["101"],
                               beds_per_room=2, bed_type="nursing")
    return good, bad


def test_every_layout_is_documented_as_the_code_says(db):
    doc = (Path(__file__).resolve().parents[2] / "docs" / "exchanges.md").read_text(encoding="utf-8")
    assert layouts.layout_markdown() in doc, "docs/exchanges.md is out of date: paste layouts.layout_markdown()"
    assert len({layout.code for layout in layouts.LAYOUTS}) == 8


@pytest.mark.parametrize(("kind", "value", "reason"), [
    ("id", make_id()[:17] + ("0" if make_id()[17] != "0" else "1"), "校验"),
    ("division", "440106001001", "本市"),
    ("uscc", "52441702MJL00001A0", "统一社会信用代码"),
    ("date", TODAY + dt.timedelta(days=1), "晚于今天"),
    ("int", -1, "非负整数"),
    ("text", "", "必填"),
])
def test_each_column_type_refuses_what_the_national_system_would_refuse(kind, value, reason):
    column = layouts.Column("x", "列", kind, max_len=10)
    _, got = layouts.check_value(column, value, today=TODAY)
    assert reason in got


def test_a_code_outside_its_code_list_is_refused_with_the_list():
    _, got = layouts.check_value(layouts.Column("x", "性别", "code", codes=layouts.SEX), "3", today=TODAY)
    assert "代码“3”不在代码表中" in got and "1 男" in got


def test_the_quarter_batch_keeps_failing_rows_out_reports_them_and_records_each_file(city_admin, jiangcheng, homes,
                                                                                     new_person):
    good, bad = homes
    p = new_person(name="黄秀英", id_number=make_id(birth="19400101", seq="201"))
    people_services.category_add(by=jiangcheng, person=p, item=CategoryInput(category="tekun",
                                                                             valid_from=dt.date(2024, 1, 1)))
    batch = services.national_batch_create(by=city_admin, period="2026Q4", today=TODAY)
    files = {f.layout: f for f in batch.files.all()}
    assert set(files) == {layout.code for layout in layouts.LAYOUTS}
    inst = files["yljg"]
    assert (inst.rows_ok, inst.rows_failed) == (1, 1)
    assert inst.errors == [{"row": 2, "record": "机构：江城区社会福利中心", "column": "统一社会信用代码",
                            "reason": "必填，不能为空"}]
    assert (files["ylcw"].rows_ok, files["ylcw"].rows_failed) == (2, 2)
    # the file is the layout: its headers, the passing rows only, and the hash recorded is the file's
    content = bytes(inst.content)
    assert hashlib.sha256(content).hexdigest() == inst.sha256
    ws = load_workbook(io.BytesIO(content))["养老机构基本信息"]
    rows = list(ws.values)
    assert list(rows[0]) == [c.header for c in layouts.BY_CODE["yljg"].columns]
    assert len(rows) == 2 and rows[1][0] == "阳江市康寿颐养院" and rows[1][4] == "3"
    basic = list(load_workbook(io.BytesIO(bytes(files["jbfw"].content)))["基本养老服务对象"].values)
    assert basic[1][:5] == ("黄秀英", make_id(birth="19400101", seq="201"), "1", "441702001001", "01")
    assert (batch.period, batch.rows_failed, batch.sent_at) == ("2026Q4", 3, None)
    run = ExchangeRun.objects.get(exchange__code="national-batch", event="export")
    assert run.status == "with_errors" and run.rows_bad == 3 and "江城区社会福利中心" in run.errors[0]["reason"]


def test_what_was_sent_when_is_recorded_once_and_downloading_changes_nothing(city_admin, homes):
    batch = services.national_batch_create(by=city_admin, period="2026Q4", today=TODAY)
    client = page_client(city_admin)
    f = batch.files.get(layout="yljg")
    got = client.get(f"/exchanges/national/{batch.pk}/files/{f.pk}/")
    assert got.status_code == 200 and got.content == bytes(f.content)
    assert AuditEntry.objects.filter(action="export", object_type="exchanges.nationalfile").count() == 1
    batch.refresh_from_db()
    assert batch.sent_at is None  # a download is not a sending
    services.national_batch_mark_sent(by=city_admin, batch=batch, note="已通过全国系统批量导入")
    batch.refresh_from_db()
    assert batch.sent_by == city_admin and batch.sent_note == "已通过全国系统批量导入"
    with pytest.raises(Conflict):
        services.national_batch_mark_sent(by=city_admin, batch=batch)
    sent = ExchangeRun.objects.get(exchange__code="national-batch", event="sent")
    assert f.sha256[:12] in sent.changed and "养老机构基本信息 1 行" in sent.changed
    page = client.get(f"/exchanges/national/{batch.pk}/").content.decode()
    assert "江城区社会福利中心" in page and "必填，不能为空" in page


def test_only_the_city_produces_national_batches(jiangcheng):
    with pytest.raises(Forbidden):
        services.national_batch_create(by=jiangcheng, period="2026Q4", today=TODAY)
    assert page_client(jiangcheng).get("/exchanges/national/").status_code == 403


def test_a_future_or_malformed_period_is_refused(city_admin):
    from yanglao.core.errors import ValidationFailed

    for period in ("2027Q1", "2026-4", "Q4"):
        with pytest.raises(ValidationFailed):
            services.national_batch_create(by=city_admin, period=period, today=TODAY)


def test_the_national_list_read_back_is_matched_by_id_number_and_changes_nothing_until_confirmed(city_admin,
                                                                                                new_person):
    known = new_person(name="黄秀英", id_number=make_id(birth="19400101", seq="201"))
    rows = [("黄秀英", make_id(birth="19400101", seq="201"), "QG4417000123", "2025-06-01"),
            ("李桂芳", make_id(birth="19400101", seq="202"), "QG4417000124", "2025-06-01"),
            ("陈国强", "44170219400101123", "QG4417000125", "2025-06-01"),
            ("黄秀英", make_id(birth="19400101", seq="201"), "QG4417000123", "2025-06-01"),
            ("林玉兰", make_id(birth="19400101", seq="203"), "", "2025年13月")]
    batch = services.national_return_import(by=city_admin, filename="全国系统已登记.xlsx", list_name="已登记老年人",
                                            content=xlsx(["姓名", "公民身份号码", "老年人编号", "建档日期"], rows), today=TODAY)
    assert (batch.rows, batch.matched, batch.not_found, batch.bad) == (5, 1, 1, 3)
    got = {r.row_no: r for r in batch.lines.all()}
    assert got[2].person_id == known.pk and got[2].national_no == "QG4417000123"
    assert "身份证号码" in got[4].column and "重复" in got[5].reason and got[6].column == "登记日期"
    assert not NationalRegistration.objects.exists()
    assert services.national_return_confirm(by=city_admin, batch=batch) == 1
    reg = NationalRegistration.objects.get()
    assert (reg.person_id, reg.national_no, reg.registered_on) == (known.pk, "QG4417000123", dt.date(2025, 6, 1))
    with pytest.raises(Conflict):
        services.national_return_confirm(by=city_admin, batch=batch)
    assert list(ExchangeRun.objects.filter(exchange__code="national-return").values_list("event", flat=True)) == [
        "confirm", "import"]
