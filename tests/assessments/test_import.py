"""Historical MZ/T 039-2013 results: imported with row errors, labelled, never a care level."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from yanglao.assessments import importing, selectors
from yanglao.assessments.choices import Scale, Status
from yanglao.assessments.models import Assessment
from yanglao.core.errors import ValidationFailed
from yanglao.core.models import AuditAction, AuditEntry
from yanglao.core.testing import page_client

from .conftest import make_id

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["阳江市老年人能力评估结果（2018—2020）"])  # a title row above the header
    ws.append(["身份证号码", "姓名", "评估日期", "等级(0-3)", "评估机构"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_import_stores_valid_rows_and_reports_each_error(new_person, jiangcheng):
    chen = new_person()
    li = new_person(name="李桂兰")
    content = xlsx([
        [make_id(seq="101"), "陈秀英", "2019-06-01", 2, "江城区社会福利中心"],
        [make_id(seq="102"), "李桂兰", dt.date(2020, 3, 15), "重度失能", ""],
        [make_id(seq="999")[:-1] + "0", "王五", "2019-01-01", 1, ""],  # wrong check digit
        [make_id(seq="103"), "张三", "2019-01-01", 1, ""],  # not in the registry
        [make_id(seq="101"), "陈秀英", "2019-13-01", 5, ""],  # bad date and level
        [make_id(seq="102"), "李四", "2019-01-01", 1, ""],  # name differs
    ])
    result = importing.import_mzt(by=jiangcheng, filename="mzt.xlsx", content=content)
    assert (result.total, result.imported, result.skipped) == (6, 2, 0)
    assert [(e.row, e.column) for e in result.errors] == [
        (5, "身份证号码"), (6, "身份证号码"), (7, "评估日期"), (7, "等级"), (8, "姓名")]
    assert str(result.errors[0]).startswith("第 5 行 · 身份证号码: ")
    rows = {a.person_id: a for a in Assessment.objects.filter(scale=Scale.MZT039)}
    assert (rows[chen.pk].mzt_level, rows[chen.pk].level, rows[chen.pk].status) == (2, None, Status.IMPORTED)
    assert rows[li.pk].mzt_level == 3 and rows[li.pk].level_label == "MZ/T 039-2013 等级3（旧标准）"
    assert AuditEntry.objects.filter(action=AuditAction.BULK, object_type="assessments.assessment",
                                     extra__operation="import_mzt039").count() == 1
    again = importing.import_mzt(by=jiangcheng, filename="mzt.xlsx", content=content)
    assert (again.imported, again.skipped) == (0, 2)


def test_mzt_results_never_count_as_a_care_level(new_person, jiangcheng, workflow):
    person = new_person()
    importing.import_mzt(by=jiangcheng, filename="a.csv",
                         content=f"身份证号码,姓名,评估日期,等级\n{make_id(seq='101')},陈秀英,{timezone.localdate()},3\n"
                         .encode())
    assert Assessment.objects.filter(scale=Scale.MZT039).count() == 1
    assert selectors.care_level_for(person.pk) is None
    assert selectors.care_levels_for([person.pk]) == {}
    assert not selectors.current_levels(timezone.localdate()).exists()
    page = page_client(jiangcheng).get(f"/people/{person.pk}/").content.decode()
    assert "MZ/T 039-2013 等级3（旧标准）" in page and "暂无有效的能力评估结果" in page
    a = workflow(person, total=75)
    assert selectors.care_level_for(person.pk).assessment_id == a.pk
    assert [h.scale for h in selectors.results_history(person)] == ["gbt42195", "mzt039"]


def test_import_refuses_people_outside_the_jurisdiction(new_person, yangxi):
    new_person()
    result = importing.import_mzt(by=yangxi, filename="a.csv",
                                  content=f"身份证号码,姓名,评估日期,等级\n{make_id(seq='101')},陈秀英,2019-01-01,1\n"
                                  .encode())
    assert result.imported == 0 and "管辖范围" in result.errors[0].reason


def test_import_without_the_required_columns_is_refused(jiangcheng):
    with pytest.raises(ValidationFailed):
        importing.import_mzt(by=jiangcheng, filename="a.csv", content="身份证号码,姓名\n1,2\n".encode())


def test_database_keeps_the_scales_apart(new_person, jiangcheng):
    from django.db import IntegrityError, transaction

    person = new_person()
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(person=person, division_code=person.division_code, scale=Scale.MZT039,
                                  status=Status.IMPORTED, mzt_level=2, level=2)


def test_import_page_and_template(jiangcheng, new_person):
    new_person()
    client = page_client(jiangcheng)
    template = client.get("/assessments/import/template.xlsx")
    assert template.status_code == 200
    header = [c.value for c in load_workbook(io.BytesIO(template.content)).active[1]][:5]
    assert header == ["身份证号码*", "姓名", "评估日期*", "等级*", "评估机构"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("mzt.xlsx", xlsx([[make_id(seq="101"), "陈秀英", "2019-06-01", 1, "福利中心"]]))
    page = client.post("/assessments/import/", {"file": upload}).content.decode()
    assert "共 1 条，成功 1 条" in page
