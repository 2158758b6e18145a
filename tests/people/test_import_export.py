"""Importing spreadsheets as offices produce them, and exporting filtered lists."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from yanglao.core.models import AuditEntry
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client
from yanglao.people.importing import import_create, run_job, template_workbook
from yanglao.people.models import Contact, ImportJob, Person, PersonCategory

from .conftest import make_id

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "身份证号码", "联系电话", "居住社区代码", "居住地址", "居住状况", "人员类别", "类别起始日期", "残疾等级",
          "紧急联系人", "紧急联系人电话"]


def messy_csv(encoding="gb18030") -> bytes:
    good1, good2, dup = make_id(seq="201"), make_id(seq="202"), make_id(seq="203")
    bad_check = good1[:17] + ("0" if good1[17] != "0" else "1")
    rows = [
        ["阳江市江城区南恩街道老年人信息登记表"],           # row 1: title
        HEADER,                                            # row 2: header
        [" 陈 秀英 ", good1, "１３８００００１２３４", "441702001001", "北门路3号", "独居", "低保、重度残疾", "2024/1/1",
         "一级", "李四", "13900001234"],                    # row 3: full-width digits, stray spaces
        ["黄伯", bad_check, "", "441702001001", "", "空巢", "", "", "", "", ""],        # row 4: check digit
        ["梁大", "4.41702E+17", "", "441702001001", "", "空巢", "", "", "", "", ""],     # row 5: scientific notation
        [],                                                # row 6: blank
        ["何二", good2, "", "441721100005", "", "独居", "", "", "", "", ""],           # row 7: other county
        ["吴三", dup, "0662-3123456", "441702001002", "", "与子女同住", "", "", "", "", ""],  # row 8: good
        ["郑四", dup, "", "441702001002", "", "火星", "", "", "", "", ""],             # row 9: duplicate + bad living
    ]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def run(user, content, name="登记表.csv", all_or_nothing=False, capture=None):
    job = import_create(by=user, filename=name, content=content, all_or_nothing=all_or_nothing)
    return run_job(job.pk)


def test_messy_gbk_csv_imports_valid_rows_and_reports_each_bad_row(jiangcheng):
    job = run(jiangcheng, messy_csv())
    assert job.status == "done" and job.total_rows == 6
    assert job.created_people == 2 and job.error_rows == 4
    errors = {(e.row, e.column.split()[-1]): e.reason for e in job.errors.all()}
    assert "校验位" in errors[(4, "身份证号码")]
    assert "Excel" in errors[(5, "身份证号码")]
    assert "管辖范围" in errors[(7, "居住社区代码")]
    assert "不是有效的居住状况" in errors[(9, "居住状况")]
    chen = Person.objects.get(name="陈秀英")
    assert chen.phone_masked == "138******34"
    assert set(chen.categories.values_list("category", flat=True)) == {"dibao", "severe_disability"}
    assert chen.categories.get(category="severe_disability").disability_grade == 1
    assert Contact.objects.get(person=chen).phone_masked == "139******34"
    assert "共 6 条，成功 2 条" in job.message


def test_utf8_csv_with_bom_imports_too(jiangcheng):
    job = run(jiangcheng, messy_csv("utf-8-sig"))
    assert job.created_people == 2


def test_importing_the_same_file_twice_changes_nothing(jiangcheng):
    run(jiangcheng, messy_csv())
    people, categories = Person.objects.count(), PersonCategory.objects.count()
    second = run(jiangcheng, messy_csv())
    assert second.created_people == 0 and second.existing_people == 2
    assert Person.objects.count() == people and PersonCategory.objects.count() == categories


def test_all_or_nothing_imports_nothing_when_a_row_is_bad(jiangcheng):
    job = run(jiangcheng, messy_csv(), all_or_nothing=True)
    assert job.status == "rejected" and job.error_rows == 4
    assert not Person.objects.exists()


def test_a_rerun_of_a_crashed_job_does_not_duplicate(jiangcheng):
    job = import_create(by=jiangcheng, filename="a.csv", content=messy_csv(), all_or_nothing=False)
    run_job(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(status="running")  # as if it died after inserting
    again = run_job(job.pk)
    assert again.status == "done" and Person.objects.count() == 2


def test_xlsx_with_merged_title_id_stored_as_number_and_date_serials(jiangcheng):
    wb = Workbook()
    ws = wb.active
    ws.merge_cells("A1:H1")
    ws["A1"] = "阳江市老年人花名册"
    ws.append(["姓名", "身份证号码", "居住社区代码", "居住状况", "人员类别", "类别起始日期", "出生日期", "性别"])
    good = make_id(seq="302")  # even 17th digit: female
    ws.append(["冼阿婆", good, "441702001001", "留守", "低保", 45292, "1950-01-01", "女"])       # serial = 2024-01-01
    ws.append(["莫阿伯", 441702195001013011, "441702001001", "空巢", "", "", "", ""])           # number: lost precision
    ws.append(["关阿伯", make_id(seq="303"), "441702001001", "空巢", "", "", "1951-01-01", ""])  # birth date mismatch
    buf = io.BytesIO()
    wb.save(buf)
    job = run(jiangcheng, buf.getvalue(), name="花名册.xlsx")
    assert job.created_people == 1
    errors = {e.row: e.reason for e in job.errors.all()}
    assert "Excel" in errors[4] and "不一致" in errors[5]
    cat = PersonCategory.objects.get(person__name="冼阿婆")
    assert cat.valid_from.isoformat() == "2024-01-01"


def test_missing_required_columns_fail_with_a_clear_message(jiangcheng):
    job = run(jiangcheng, "姓名,电话\n张三,13800001234\n".encode())
    assert job.status == "failed" and "缺少必填列" in job.message and "身份证号码" in job.message


def test_error_report_downloads_as_xlsx_with_row_column_reason(jiangcheng):
    job = run(jiangcheng, messy_csv())
    got = page_client(jiangcheng).get(f"/people/import/{job.pk}/errors.xlsx")
    sheet = load_workbook(io.BytesIO(got.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ("行号", "列", "错误原因", "单元格内容")
    assert any(r[0] == 4 and "身份证号码" in r[1] and "校验位" in r[2] for r in rows[2:])


def test_template_has_the_chinese_headers_and_a_text_id_column():
    sheet = load_workbook(io.BytesIO(template_workbook())).active
    headers = [c.value for c in sheet[1]]
    assert headers[:2] == ["姓名*", "身份证号码*"] and "居住社区代码*" in headers
    assert sheet.cell(row=3, column=2).number_format == "@"


def test_upload_through_the_console_runs_the_job(jiangcheng, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = page_client(jiangcheng)
    with django_capture_on_commit_callbacks(execute=True):
        got = client.post("/people/import/", {"file": SimpleUploadedFile("a.csv", messy_csv()), "mode": "valid"})
    job = ImportJob.objects.get()
    assert got.status_code == 302 and got.url == f"/people/import/{job.pk}/"
    page = client.get(got.url).content.decode()
    assert "成功 2 条" in page and "校验位" in page
    assert AuditEntry.objects.filter(action="bulk", extra__operation="import", extra__count=2).exists()


def test_command_line_import(jiangcheng, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(messy_csv())
    out = io.StringIO()
    call_command("import_people", str(path), "--division", "441702", stdout=out)
    assert "成功 2 条" in out.getvalue() and "第 4 行" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("import_people", str(path), "--division", "441702", "--all-or-nothing", stdout=io.StringIO())


def test_export_csv_is_masked_scoped_and_audited(jiangcheng, new_person):
    new_person(name="甲一")
    new_person(name="乙二", division_code="441702002001")
    got = page_client(jiangcheng).get("/people/export/", {"format": "csv", "division": "441702001"})
    body = b"".join(got.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["档案编号", "姓名", "身份证号码"]
    assert [r[1] for r in rows[1:]] == ["甲一"]
    assert "********" in rows[1][2] and make_id(seq="101") not in body
    line = AuditEntry.objects.get(action="export")
    assert line.extra["count"] == 1 and line.extra["masked"] is True and line.actor_username == "jiangcheng"


def test_export_xlsx_opens_in_excel_format(jiangcheng, new_person):
    new_person()
    got = page_client(jiangcheng).get("/people/export/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(got.streaming_content))).active
    assert sheet.cell(row=2, column=2).value == "陈秀英"


def test_export_of_another_county_exports_nothing(new_person, divisions):
    new_person()
    yangxi = make_user(Role.COUNTY_STAFF, "441721")
    got = page_client(yangxi).get("/people/export/", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(got.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1


def test_auditors_cannot_export_people(auditor, new_person):
    assert page_client(auditor).get("/people/export/").status_code == 403
