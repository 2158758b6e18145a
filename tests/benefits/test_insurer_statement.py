"""The insurer's statement (承保清单) checked against the month's insured list, person by person: insured as
listed, premium differs, on our list but not insured (漏保), insured but not on our list (多保), rows that
cannot be read; the two totals; refused when the run is not an approved insurance list, for county staff,
without the insurer's name, twice the same file. Nothing but the statement changes."""

import io

import pytest
from openpyxl import load_workbook

from tests.benefits.test_insurance import insured  # noqa: F401
from tests.conftest import make_id
from yanglao.benefits import insurance
from yanglao.benefits.models import Entitlement, InsurerStatement, InsurerStatementRow
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.models import AuditEntry
from yanglao.core.testing import page_client

INSURER = "中国人民财产保险股份有限公司阳江市分公司"


def gbk_csv(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


@pytest.fixture
def october(insured, new_person):  # noqa: F811
    """October's list: 李桂芳 (b) only (黄秀英 suspended); a third person insured by the insurer alone."""
    p, a, b, sep, octo = insured
    b.plain_id = make_id(birth="19400101", seq="902")
    c = new_person(name="陈伯", id_number=make_id(birth="19300101", seq="903"))
    c.plain_id = make_id(birth="19300101", seq="903")
    return p, a, b, c, sep, octo


def test_each_person_is_found_insured_as_listed_or_not_and_the_totals_compared(city_admin, october):
    p, a, b, c, sep, octo = october
    assert list(Entitlement.objects.filter(run=octo, kind="regular").values_list("person_id", flat=True)) == [b.pk]
    content = gbk_csv([
        "中国人民财产保险股份有限公司阳江市分公司 2026年10月 老年人意外伤害保险承保清单",
        "序号,被保险人姓名,被保险人身份证号码,保险费（元）",
        f"1,{b.name},{b.plain_id},2.60",  # premium differs
        f"2,{c.name},{c.plain_id},2.50",  # in the registry, not on our list
        f"3,外市,{make_id(region='440305', birth='19400101', seq='111')},2.50",  # nobody in the registry
        f"4,{b.name},{b.plain_id},2.60",  # duplicate
        f"5,错号,{b.plain_id[:-1]}0,2.50",  # check digit
        f"6,{a.name},{a.plain_id},",  # no premium
    ])
    st = insurance.statement_import(by=city_admin, run=octo, filename="承保清单.csv", content=content, insurer=INSURER)
    rows = {(r.row_no, r.outcome): r for r in InsurerStatementRow.objects.filter(statement=st)}
    assert rows[(3, "premium")].person_id == b.pk and "2.60" in rows[(3, "premium")].reason
    assert rows[(4, "not_listed")].person_id == c.pk and "不在本月投保名单" in rows[(4, "not_listed")].reason
    assert rows[(5, "not_listed")].person_id is None and "本市档案中无此人" in rows[(5, "not_listed")].reason
    assert "与第 3 行重复" in rows[(6, "bad")].reason and rows[(6, "bad")].column.endswith("身份证号码")
    assert rows[(7, "bad")].column.endswith("身份证号码")
    assert rows[(8, "bad")].reason == "缺少保费" and rows[(8, "bad")].column == "D 保费"
    assert (st.rows, st.matched, st.premium_differs, st.not_listed, st.not_insured, st.bad) == (6, 0, 1, 2, 0, 3)
    assert str(st.statement_total) == "7.60" and str(st.list_total) == "2.50" and not st.consistent
    assert AuditEntry.objects.filter(extra__operation="insurer_statement_import").exists()


def test_someone_on_the_list_missing_from_the_statement_is_reported_not_insured(city_admin, october):
    p, a, b, c, sep, octo = october
    st = insurance.statement_import(by=city_admin, run=octo, filename="承保清单.csv", insurer=INSURER,
                                    content=gbk_csv(["姓名,身份证号码,保费", f"{c.name},{c.plain_id},2.50"]))
    missing = InsurerStatementRow.objects.get(statement=st, outcome="not_insured")
    assert missing.person_id == b.pk and missing.row_no is None and "无法理赔" in missing.reason
    assert str(missing.expected) == "2.50" and missing.premium is None


def test_a_statement_that_matches_the_list_is_consistent(city_admin, october):
    p, a, b, c, sep, octo = october
    st = insurance.statement_import(by=city_admin, run=octo, filename="一致.csv", insurer=INSURER,
                                    content=gbk_csv(["姓名,身份证号码,保费", f"{b.name},{b.plain_id},2.5"]))
    assert (st.matched, st.difference, st.consistent) == (1, 0, True)


def test_refused_for_county_staff_twice_the_same_file_without_an_insurer_or_columns(city_admin, jiangcheng, october):
    p, a, b, c, sep, octo = october
    content = gbk_csv(["姓名,身份证号码,保费", f"{b.name},{b.plain_id},2.50"])
    with pytest.raises(Forbidden):
        insurance.statement_import(by=jiangcheng, run=octo, filename="a.csv", content=content, insurer=INSURER)
    with pytest.raises(ValidationFailed, match="保险公司"):
        insurance.statement_import(by=city_admin, run=octo, filename="a.csv", content=content, insurer=" ")
    with pytest.raises(ValidationFailed, match="保费"):
        insurance.statement_import(by=city_admin, run=octo, filename="a.csv", insurer=INSURER,
                                   content=gbk_csv(["姓名,身份证号码", f"{b.name},{b.plain_id}"]))
    insurance.statement_import(by=city_admin, run=octo, filename="a.csv", content=content, insurer=INSURER)
    with pytest.raises(Conflict, match="已核对过"):
        insurance.statement_import(by=city_admin, run=octo, filename="a.csv", content=content, insurer=INSURER)
    assert InsurerStatement.objects.count() == 1


def test_the_pages_upload_show_each_outcome_and_export_masked(city_admin, jiangcheng, october, age_allowance,
                                                               run_month):
    p, a, b, c, sep, octo = october
    client = page_client(city_admin)
    assert b"insurer-statements-" in client.get("/benefits/insurance/").content
    upload = io.BytesIO(gbk_csv(["姓名,身份证号码,保费", f"{c.name},{c.plain_id},2.50",
                                 f"查无此人,{make_id(birth='19300101', seq='993')},2.50", f"错号,{b.plain_id[:-1]}0,2.50"]))
    upload.name = "承保清单.csv"
    response = client.post(f"/benefits/runs/{octo.pk}/insurer-statements/", {"insurer": INSURER, "file": upload})
    st = InsurerStatement.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/benefits/insurer-statements/{st.pk}/"
    page = client.get(f"/benefits/insurer-statements/{st.pk}/").content.decode()
    assert b.name in page and "无法理赔" in page  # the first outcome with findings: not insured
    not_listed = client.get(f"/benefits/insurer-statements/{st.pk}/?show=not_listed").content.decode()
    assert c.name in not_listed and "查无此人" in not_listed  # nobody of the registry: still the city's to see
    assert "错号" in client.get(f"/benefits/insurer-statements/{st.pk}/?show=bad").content.decode()
    allowance_run = run_month(city_admin, age_allowance, octo.month)
    assert client.get(f"/benefits/runs/{allowance_run.pk}/insurer-statements/").status_code == 404  # not a list
    assert c.plain_id not in page
    xlsx = client.get(f"/benefits/insurer-statements/{st.pk}/?show=not_listed&format=xlsx")
    cells = [v for row in load_workbook(io.BytesIO(xlsx.content), read_only=True).active.iter_rows(values_only=True)
             for v in row]
    assert c.name in cells and c.plain_id not in cells
    assert AuditEntry.objects.filter(action="export", object_type__contains="insurerstatementrow").exists()
    assert page_client(jiangcheng).get(f"/benefits/insurer-statements/{st.pk}/").status_code == 403


def test_the_same_file_checked_twice_at_the_same_moment_is_refused_and_writes_no_rows(city_admin, october,
                                                                                      monkeypatch):
    import hashlib

    from yanglao.core import uploads

    p, a, b, c, sep, octo = october
    content = gbk_csv(["姓名,身份证号码,保费", f"{b.name},{b.plain_id},2.50"])
    real = uploads.read_upload

    def read_while_another_request_commits(*args, **kwargs):  # the other request's statement lands meanwhile
        InsurerStatement.objects.create(run=octo, filename="a.csv", file_sha256=hashlib.sha256(content).hexdigest(),
                                        insurer=INSURER, uploaded_by=city_admin, division_code=octo.division_code)
        return real(*args, **kwargs)

    monkeypatch.setattr(uploads, "read_upload", read_while_another_request_commits)
    with pytest.raises(Conflict, match="已核对过"):
        insurance.statement_import(by=city_admin, run=octo, filename="a.csv", content=content, insurer=INSURER)
    assert InsurerStatement.objects.count() == 1 and not InsurerStatementRow.objects.exists()
