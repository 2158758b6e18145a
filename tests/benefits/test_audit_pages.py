"""The audit pages as staff use them: upload a list, review, confirm; certify; recoveries; the run's
held-back lines with the link to fix the account; where a payment line comes from."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import make_id
from yanglao.benefits import recoveries, services
from yanglao.benefits.models import Entitlement, MatchBatch, Recovery
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client

SEP, OCT = dt.date(2026, 9, 1), dt.date(2026, 10, 1)


@pytest.fixture
def world(city_admin, city_checker, jiangcheng, age_allowance, new_person, run_month):
    people = []
    for i, name in enumerate(["黄秀英", "李桂芳", "陈国强"]):
        idno = make_id(birth="19400101", seq=f"{850 + i:03d}")
        p = new_person(name=name, id_number=idno)
        p.plain_id = idno
        if i < 2:
            services.bank_account_set(by=jiangcheng, person=p, bank_name="广东阳江农村商业银行",
                                      account_no=f"62284801234567{i:05d}", holder_name=name)
        people.append(p)
    runs = [services.run_approve(by=city_checker, run=run_month(city_admin, age_allowance, m)) for m in (SEP, OCT)]
    return people, runs


def test_staff_upload_a_death_list_review_it_and_confirm_it(jiangcheng, world):
    people, _ = world
    page = page_client(jiangcheng)
    assert "导入部门名单" in page.get("/benefits/matching/").content.decode()
    content = ("姓名,身份证号码,死亡日期\r\n" + f"{people[0].name},{people[0].plain_id},2026-09-03\r\n"
               + "无名,12345,2026-09-03\r\n").encode("gbk")
    response = page.post("/benefits/matching/", {"kind": "death", "source_unit": "阳江市公安局江城分局",
                                                 "document_no": "江公户〔2026〕9号",
                                                 "file": SimpleUploadedFile("死亡名单.csv", content)})
    batch = MatchBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/benefits/matching/{batch.pk}/"
    html = page.get(response["Location"]).content.decode()
    assert "登记死亡（2026-09-03）" in html and "全部确认（1 条）" in html
    bad = page.get(f"/benefits/matching/{batch.pk}/?show=bad").content.decode()
    assert "第 3 行" in bad and "长度应为18位" in bad
    assert page.get(f"/benefits/matching/{batch.pk}/confirm/").status_code == 200  # the confirmation page
    people[0].refresh_from_db()
    assert people[0].status == "active"  # a GET changes nothing
    assert page.post(f"/benefits/matching/{batch.pk}/confirm/", {"comment": "已核对"}).status_code == 302
    people[0].refresh_from_db()
    assert people[0].status == "deceased"
    rec = Recovery.objects.get()
    assert rec.amount == 50 and "江公户〔2026〕9号" in rec.document
    html = page.get(f"/benefits/recoveries/{rec.pk}/").content.decode()
    assert "超发明细" in html and "2026年10月" in html


def test_a_bad_upload_keeps_the_form_with_the_reason(jiangcheng, world):
    page = page_client(jiangcheng)
    response = page.post("/benefits/matching/", {"kind": "death", "source_unit": "公安", "document_no": "1",
                                                 "file": SimpleUploadedFile("x.csv", "姓名,身份证号码\r\n张三,1\r\n".encode("gbk"))})
    assert response.status_code == 200 and "缺少列：死亡日期" in response.content.decode()


def test_community_workers_certify_and_see_who_is_due(divisions, city_admin, age_allowance, world):
    from yanglao.benefits import lifecert

    people, _ = world
    lifecert.programme_requirement_set(by=city_admin, programme=age_allowance, every_months=12, fixed_month=None,
                                       fixed_day=None, since=dt.date(2025, 11, 1))
    beimen = make_user(Role.COMMUNITY_WORKER, "441702001001", username="beimen")
    page = page_client(beimen)
    html = page.get("/benefits/life-certs/").content.decode()
    assert people[0].name in html and "已逾期" in html
    response = page.post("/benefits/life-certs/", {"person": people[0].pk, "certified_on": "2026-11-20",
                                                   "method": "app_face", "reference": ""})
    assert response.status_code == 200 and "参考号" in response.content.decode()
    response = page.post("/benefits/life-certs/", {"person": people[0].pk, "certified_on": "2026-11-20",
                                                   "method": "app_face", "reference": "YJAPP-20261120-0001"})
    assert response.status_code == 302
    assert people[0].life_certificates.get().reference == "YJAPP-20261120-0001"


def test_the_run_page_lists_held_back_lines_with_a_link_to_fix_the_account(city_admin, age_allowance, world,
                                                                            run_month):
    people, _ = world
    nov = run_month(city_admin, age_allowance, dt.date(2026, 11, 1))
    html = page_client(city_admin).get(f"/benefits/runs/{nov.pk}/").content.decode()
    assert "暂缓发放" in html and "未登记代发账户" in html
    assert f"/benefits/people/{people[2].pk}/account/?run={nov.pk}" in html
    response = page_client(city_admin).post(f"/benefits/people/{people[2].pk}/account/?run={nov.pk}", {
        "bank_name": "中国农业银行阳江分行", "account_no": "6228 4811 1122 2233 334", "holder_name": people[2].name})
    assert response.status_code == 302 and response["Location"] == f"/benefits/runs/{nov.pk}/"


def test_the_bank_file_is_a_post_with_a_reason(city_admin, city_checker, age_allowance, world, run_month):
    people, _ = world
    nov = services.run_approve(by=city_checker, run=run_month(city_admin, age_allowance, dt.date(2026, 11, 1)))
    page = page_client(city_admin)
    html = page.get(f"/benefits/runs/{nov.pk}/").content.decode()
    assert "下载银行代发文件" in html
    from yanglao.benefits.models import BankFileFormat

    fmt = BankFileFormat.objects.get(code="yjrcb")
    response = page.post(f"/benefits/runs/{nov.pk}/bank-file/", {"fmt": fmt.pk, "reason": "报送农商行代发"})
    assert response.status_code == 200
    text = response.content.decode("gbk")
    assert people[0].plain_id in text and text.strip().splitlines()[-1] == "合计,2,100.00"
    assert page.get(f"/benefits/runs/{nov.pk}/bank-file/").status_code == 405


def test_a_payment_line_shows_its_rule_band_document_facts_and_approver(jiangcheng, city_checker, world):
    people, runs = world
    line = Entitlement.objects.get(run=runs[1], person=people[0])
    html = page_client(jiangcheng).get(f"/benefits/lines/{line.pk}/").content.decode()
    assert "阳民〔2025〕1号" in html and "80–89岁" in html and "86岁" in html
    assert city_checker.display_name in html and "80周岁及以上" in html


def test_recovery_pages_repay_and_write_off_with_a_second_signature(city_admin, city_checker, jiangcheng, auditor,
                                                                    world):
    people, _ = world
    rec = recoveries.recovery_create(by=jiangcheng, person=people[1], event="moved_away",
                                     event_date=dt.date(2026, 9, 2), amount="50", document="迁移证")
    page = page_client(jiangcheng)
    response = page.post(f"/benefits/recoveries/{rec.pk}/", {"form": "repay", "amount": "80", "paid_on": "2026-11-20",
                                                            "reference": "R1"})
    assert response.status_code == 200 and "最多 50.00 元" in response.content.decode()
    page.post(f"/benefits/recoveries/{rec.pk}/", {"form": "repay", "amount": "20", "paid_on": "2026-11-20",
                                                  "reference": "R1"})
    rec.refresh_from_db()
    assert rec.status == "partly"
    page_client(city_admin).post(f"/benefits/recoveries/{rec.pk}/", {"form": "write_off", "reason": "已迁往外省，无法联系"})
    assert "审批核销" not in page_client(city_admin).get(f"/benefits/recoveries/{rec.pk}/").content.decode()
    assert "审批核销" in page_client(city_checker).get(f"/benefits/recoveries/{rec.pk}/").content.decode()
    page_client(city_checker).post(f"/benefits/recoveries/{rec.pk}/write-off/", {"comment": "同意"})
    rec.refresh_from_db()
    assert rec.status == "written_off"
    html = page_client(auditor).get("/benefits/recoveries/").content.decode()
    assert "江城区" in html and "下载追回情况表" in html
    assert page_client(auditor).post(f"/benefits/recoveries/{rec.pk}/", {"form": "repay"}).status_code == 403


def test_the_error_report_and_the_review_list_download_as_spreadsheets(jiangcheng, world):
    import io

    from openpyxl import load_workbook

    from yanglao.core.models import AuditEntry

    people, _ = world
    page = page_client(jiangcheng)
    content = ("姓名,身份证号码,死亡日期\r\n" + f"{people[0].name},{people[0].plain_id},2026-09-03\r\n"
               + "无名,12345,2026-09-03\r\n" + f"{people[1].name},{people[1].plain_id},2030-01-01\r\n").encode("gbk")
    page.post("/benefits/matching/", {"kind": "death", "source_unit": "阳江市公安局江城分局", "document_no": "江公户〔2026〕9号",
                                      "file": SimpleUploadedFile("死亡名单.csv", content)})
    batch = MatchBatch.objects.get()
    assert "下载错误报告" in page.get(f"/benefits/matching/{batch.pk}/").content.decode()
    response = page.get(f"/benefits/matching/{batch.pk}/export/?show=bad")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "行号"
    errors = {r[0]: (r[5], r[6]) for r in rows[2:]}
    assert set(errors) == {3, 4}  # the two bad rows, with their column and reason
    assert "身份证号码" in errors[3][0] and "长度应为18位" in errors[3][1]
    assert "日期" in errors[4][0] and "晚于今天" in errors[4][1]
    everything = list(load_workbook(io.BytesIO(page.get(f"/benefits/matching/{batch.pk}/export/").content))
                      .active.iter_rows(values_only=True))
    assert len(everything) == 2 + 3 and people[0].plain_id not in str(everything)  # masked numbers only
    assert AuditEntry.objects.filter(action="export", object_type="benefits.matchrow").count() == 2


def test_matching_is_refused_with_a_clear_message_where_the_database_cannot_run_it(jiangcheng, world, monkeypatch):
    from yanglao.benefits import matching
    from yanglao.core.errors import ValidationFailed

    monkeypatch.setattr(matching.connection, "vendor", "sqlite")  # as on the embedded demo database
    page = page_client(jiangcheng)
    html = page.get("/benefits/matching/").content.decode()
    assert "需要 PostgreSQL 数据库" in html and 'data-testid="match-form"' not in html
    with pytest.raises(ValidationFailed, match="需要 PostgreSQL"):
        matching.match_import(by=jiangcheng, kind="death", filename="x.csv", content=b"x", source_unit="a",
                              document_no="b")
    assert not MatchBatch.objects.exists()
