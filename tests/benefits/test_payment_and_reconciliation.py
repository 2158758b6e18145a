"""Payment files, reconciliation (all or nothing), failed lines carried once, back pay, adjustments."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from yanglao.benefits import payfiles, services
from yanglao.benefits.models import Entitlement, PaymentResult, PaymentRun
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.models import AuditEntry

MAY = dt.date(2026, 5, 1)
JUNE = dt.date(2026, 6, 1)


def result_file(rows, headers=("明细编号", "金额", "结果", "失败原因")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def approved_may(city_admin, city_checker, jiangcheng, age_allowance, older, run_month):
    people = [older("19400101"), older("19300101"), older("19250101")]
    for i, person in enumerate(people):  # everyone has an account: nothing held back from the file
        services.bank_account_set(by=jiangcheng, person=person, bank_name="广东阳江农村商业银行",
                                  account_no=f"62284801234567890{12 + i}", holder_name=person.name)
    run = run_month(city_admin, age_allowance, MAY)
    services.run_approve(by=city_checker, run=run)
    run.refresh_from_db()
    return run


def test_the_payment_workbook_has_the_daifa_columns_and_the_full_account_number(city_admin, approved_may):
    fh, name = payfiles.payment_xlsx(by=city_admin, run=approved_may)
    ws = load_workbook(fh, read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][:9] == ("序号", "明细编号", "姓名", "身份证号码", "开户银行", "银行账号", "户名", "金额", "摘要")
    accounts = [r[5] for r in rows[2:]]
    assert "6228480123456789012" in accounts
    assert all("*" in r[3] for r in rows[2:])  # ID numbers masked by default
    assert sum(Decimal(str(r[7])) for r in rows[2:]) == Decimal("450")
    approved_may.refresh_from_db()
    assert approved_may.status == "approved"  # a download changes nothing; marking paid is its own action
    assert AuditEntry.objects.filter(action="export", object_type="benefits.entitlement").exists()


def test_the_bank_csv_is_gbk_with_a_trailer(city_admin, approved_may):
    content, name = payfiles.payment_csv(by=city_admin, run=approved_may)
    rows = list(csv.reader(io.StringIO(content.decode("gbk"))))
    assert rows[0] == payfiles.CSV_HEADERS and rows[-1][:2] == ["合计", "3"] and rows[-1][3] == "450.00"
    assert name.endswith(".csv")


def test_no_payment_file_before_approval(city_admin, age_allowance, older, run_month):
    older("19400101")
    run = run_month(city_admin, age_allowance, MAY)
    with pytest.raises(Conflict):
        payfiles.payment_xlsx(by=city_admin, run=run)


def test_county_staff_may_not_download_the_payment_file(jiangcheng, approved_may):
    with pytest.raises(Forbidden):
        payfiles.payment_xlsx(by=jiangcheng, run=approved_may)


def test_reconciliation_with_bad_lines_changes_nothing_and_lists_every_error(city_admin, approved_may):
    ids = list(Entitlement.objects.filter(run=approved_may).order_by("id").values_list("id", "amount"))
    content = result_file([
        (ids[0][0], "50.00", "成功", ""),
        (ids[0][0], "50.00", "成功", ""),  # duplicate
        (999999, "10", "成功", ""),  # unknown
        (ids[1][0], "99.00", "成功", ""),  # wrong amount
        (ids[2][0], str(ids[2][1]), "失败", ""),  # failed without reason
    ])
    with pytest.raises(ValidationFailed) as exc:
        payfiles.reconcile_import(by=city_admin, run=approved_may, filename="result.xlsx", content=content)
    reasons = [(e["row"], e["reason"]) for e in exc.value.details["errors"]]
    assert reasons[0][0] == 3 and "重复" in reasons[0][1]
    assert "不属于本批次" in reasons[1][1] and "金额不符" in reasons[2][1] and "失败原因" in reasons[3][1]
    assert PaymentResult.objects.count() == 0
    approved_may.refresh_from_db()
    assert approved_may.status == "approved" and approved_may.paid_count == 0


def test_a_failed_payment_is_carried_into_the_next_run_once(city_admin, city_checker, age_allowance, approved_may,
                                                            run_month):
    ids = list(Entitlement.objects.filter(run=approved_may).order_by("id").values_list("id", "amount"))
    content = result_file([(i, str(a), "成功", "") for i, a in ids[:2]] + [(ids[2][0], str(ids[2][1]), "失败", "账户已销户")])
    rec = payfiles.reconcile_import(by=city_admin, run=approved_may, filename="result.xlsx", content=content)
    approved_may.refresh_from_db()
    assert (rec.paid, rec.failed, approved_may.status) == (2, 1, "reconciled")
    assert approved_may.failed_amount == Decimal(str(ids[2][1]))
    with pytest.raises(Conflict, match="已导入"):
        payfiles.reconcile_import(by=city_admin, run=approved_may, filename="result.xlsx", content=content)
    june = run_month(city_admin, age_allowance, JUNE)
    carried = Entitlement.objects.get(run=june, kind="carried")
    assert carried.carried_from_id == ids[2][0] and carried.month == MAY and carried.note == "账户已销户"
    assert june.carried_count == 1 and june.line_count == 4
    june = run_month(city_admin, age_allowance, JUNE)  # re-run: still once
    assert Entitlement.objects.filter(kind="carried").count() == 1


def test_reconciliation_by_sequence_number_and_partial_files(city_admin, approved_may):
    fh, _ = payfiles.payment_xlsx(by=city_admin, run=approved_may)
    rows = list(load_workbook(fh, read_only=True).active.iter_rows(values_only=True))[2:]
    content = result_file([(rows[0][0], rows[0][7], "成功", "")], headers=("序号", "金额", "结果", "失败原因"))
    payfiles.reconcile_import(by=city_admin, run=approved_may, filename="r.xlsx", content=content)
    approved_may.refresh_from_db()
    assert approved_may.status == "paid" and approved_may.paid_count == 1


def test_back_pay_for_an_application_approved_late(city_admin, city_checker, jiangcheng, township_checker, older,
                                                   run_month):
    p = services.programme_create(by=city_admin, code="huli", name="护理补贴", kind="subsidy",
                                  legal_basis="阳民〔2025〕3号", band_basis="flat", enrolment_mode="application")
    services.rule_add(by=city_admin, programme=p, valid_from=dt.date(2025, 1, 1), min_age=60)
    services.band_add(by=city_admin, programme=p, valid_from=dt.date(2025, 1, 1), amount="150", label="统一",
                      document_no="阳民〔2025〕3号")
    person = older("19500101")
    may = run_month(city_admin, p, MAY)
    assert may.line_count == 0
    services.run_approve(by=city_checker, run=may)
    e = services.enrolment_apply(by=jiangcheng, person=person, programme=p, from_month=dt.date(2026, 4, 1))
    with pytest.raises(Forbidden, match="不能审核自己"):
        services.enrolment_decide(by=jiangcheng, enrolment=e, approve=True)
    services.enrolment_decide(by=township_checker, enrolment=e, approve=True)
    june = run_month(city_admin, p, JUNE)
    got = sorted(Entitlement.objects.filter(run=june).values_list("kind", "month", "amount"))
    # April had no approved run (not paid by this programme then); May's run missed the person: back pay.
    assert got == [("back_pay", MAY, Decimal("150.00")), ("regular", JUNE, Decimal("150.00"))]
    run_month(city_admin, p, JUNE)
    assert Entitlement.objects.filter(person=person).count() == 2


def test_a_correction_of_an_approved_line_is_a_new_adjustment_line(city_admin, age_allowance, approved_may,
                                                                   run_month):
    line = Entitlement.objects.filter(run=approved_may).first()
    adj = services.adjustment_add(by=city_admin, line=line, amount="20", note="误用标准，补差额")
    june = run_month(city_admin, age_allowance, JUNE)
    adj.refresh_from_db()
    assert adj.run_id == june.pk and june.adjustment_count == 1
    services.run_cancel(by=city_admin, run=june)
    adj.refresh_from_db()
    assert adj.run_id is None and Entitlement.objects.filter(pk=line.pk).exists()
    assert PaymentRun.objects.get(pk=approved_may.pk).line_count == 3


def test_a_deduction_is_recovered_when_the_bank_confirms_the_payment_not_when_the_run_is_approved(
        city_admin, city_checker, jiangcheng, age_allowance, approved_may, run_month):
    from yanglao.benefits import recoveries

    lines = {e.person_id: e for e in Entitlement.objects.filter(run=approved_may).select_related("person")}
    paid_person, failed_person = [lines[pid].person for pid in sorted(lines)[:2]]
    recs = {}
    for person in (paid_person, failed_person):  # each was paid May after moving away in April
        rec = recoveries.recovery_create(by=jiangcheng, person=person, event="moved_away",
                                         event_date=dt.date(2026, 4, 20), amount="50", document="迁出证明")
        line = recoveries.deduction_request(by=jiangcheng, recovery=rec, programme=age_allowance, amount="30", note="")
        services.adjustment_sign(by=city_checker, line=line)
        recs[person.pk] = rec
    june = services.run_approve(by=city_checker, run=run_month(city_admin, age_allowance, JUNE))
    for rec in recs.values():
        rec.refresh_from_db()
        assert (rec.status, rec.recovered) == ("open", Decimal("0.00"))  # approved, not yet paid by the bank

    rows = {r.line_id: r for r in payfiles.pay_rows(june, full_id=False)}
    result = [(r.line_id, str(r.amount), "成功", "") for r in rows.values() if r.line_id not in
              {e.pk for e in Entitlement.objects.filter(run=june, person=failed_person)}]
    result += [(r.line_id, str(r.amount), "失败", "账户冻结") for r in rows.values() if r.line_id in
               {e.pk for e in Entitlement.objects.filter(run=june, person=failed_person)}]
    netted = [r for r in rows.values() if "已扣减30.00" in r.summary]
    assert len(netted) == 2  # each deduction is netted into that person's payment in the file
    payfiles.reconcile_import(by=city_admin, run=june, filename="june.xlsx", content=result_file(result))

    paid_rec, failed_rec = recs[paid_person.pk], recs[failed_person.pk]
    paid_rec.refresh_from_db()
    failed_rec.refresh_from_db()
    assert (paid_rec.status, paid_rec.recovered) == ("partly", Decimal("30.00"))
    assert paid_rec.payments.get().reference.endswith("（银行已确认发放）")
    assert (failed_rec.status, failed_rec.recovered) == ("open", Decimal("0.00"))  # the bank did not pay it
