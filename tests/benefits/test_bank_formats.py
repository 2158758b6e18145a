"""代发文件格式: the city edits a bank's layout in the console; templates take only the named values; one default;
a name the bank's encoding cannot write is refused with its line instead of a server error."""

import datetime as dt

import pytest

from tests.conftest import make_id
from yanglao.benefits import payfiles, services
from yanglao.benefits.bankformats import template_error
from yanglao.benefits.models import BankFileFormat
from yanglao.core.errors import ValidationFailed
from yanglao.core.models import AuditEntry
from yanglao.core.testing import page_client

pytestmark = pytest.mark.django_db
NOV = dt.date(2026, 11, 1)


def form(**kw):
    return {"code": "icbc", "bank_name": "中国工商银行阳江分行", "columns": "银行账号，户名，金额，身份证号码",
            "encoding": "gb18030", "separator": "|", "column_titles": "", "header": "H|{date}|{count}|{total}",
            "trailer": "T|{count}|{total}", "filename_pattern": "ICBC_{month}_{run}.txt", "is_default": ""} | kw


def test_the_city_adds_a_layout_with_the_column_titles_staff_know_and_the_change_is_audited(city_admin):
    client = page_client(city_admin)
    got = client.post("/benefits/bank-formats/new/", form())
    assert got.status_code == 302, got.content.decode()[:2000]
    fmt = BankFileFormat.objects.get(code="icbc")
    assert fmt.columns == ["account_no", "holder", "amount", "id_number"] and fmt.encoding == "gb18030"
    assert AuditEntry.objects.filter(object_type="benefits.bankfileformat", object_id=str(fmt.pk),
                                     action="create", actor=city_admin).exists()
    page = client.get("/benefits/bank-formats/").content.decode()
    assert "中国工商银行阳江分行" in page and "H|20261130|2|2250.00" in page  # the sample, with made-up values


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("header", "H|{count.__class__}", "不认识的占位符"),
    ("trailer", "T|{name}", "不认识的占位符"),
    ("header", "H|{count:>10}", "不能带格式"),
    ("header", "H|{count", "花括号不成对"),
    ("filename_pattern", "代发{run}.txt", "文件名只能"),
    ("filename_pattern", "../{run}.txt", "文件名只能"),
    ("columns", "户名，金额", "必须包含：银行账号"),
    ("columns", "银行账号，金额，住址", "不认识的列：住址"),
    ("columns", "银行账号，金额，金额", "不能出现两次"),
])
def test_a_layout_that_could_fail_or_reach_into_the_program_is_refused_on_the_field(city_admin, field, value, reason):
    got = page_client(city_admin).post("/benefits/bank-formats/new/", form(**{field: value}))
    assert got.status_code == 200 and reason in got.content.decode()
    assert not BankFileFormat.objects.filter(code="icbc").exists()


def test_marking_a_layout_default_moves_the_default_to_it(city_admin):
    assert BankFileFormat.objects.filter(is_default=True).count() == 1
    page_client(city_admin).post("/benefits/bank-formats/new/", form(is_default="on"))
    assert list(BankFileFormat.objects.filter(is_default=True).values_list("code", flat=True)) == ["icbc"]


def test_only_the_city_edits_layouts(jiangcheng):
    client = page_client(jiangcheng)
    assert client.get("/benefits/bank-formats/").status_code == 403
    assert client.post("/benefits/bank-formats/new/", form()).status_code == 403
    assert "bank-formats" not in client.get("/benefits/").content.decode()  # no link that would not open


def test_a_name_gbk_cannot_write_is_refused_with_its_line_and_gb18030_writes_it(
        city_admin, city_checker, jiangcheng, age_allowance, new_person, run_month):
    person = new_person(name="陈秀英", id_number=make_id(birth="19400101", seq="811"))
    services.bank_account_set(by=jiangcheng, person=person, bank_name="广东阳江农村商业银行",
                              account_no="6228480123456700001", holder_name="陈𠈌英")  # U+2020C: GB18030 only
    run = run_month(city_admin, age_allowance, NOV)
    services.run_approve(by=city_checker, run=run)
    run.refresh_from_db()
    gbk = BankFileFormat.objects.get(code="psbc")
    with pytest.raises(ValidationFailed, match="第 2 行.*𠈌"):
        payfiles.bank_file(by=city_admin, run=run, fmt=gbk, reason="报送银行")
    wide = BankFileFormat.objects.create(code="wide", bank_name="测试", columns=["account_no", "holder", "amount"],
                                         encoding="gb18030", separator=",", filename_pattern="W{run}.txt")
    content, _name = payfiles.bank_file(by=city_admin, run=run, fmt=wide, reason="报送银行")
    assert "陈𠈌英" in content.decode("gb18030")


def test_templates_are_checked_before_any_file_is_written():
    assert template_error("H|{date}|{count}|{total}") is None
    assert template_error("{total.real}") and template_error("{0}") and template_error("{}")
