"""The audit path end to end: last month's death list imported, the six people on it who were still
paid suspended, their overpaid months recoveries, the next payment file without them; a recipient
who missed proof of life suspended by the run and resumed with back pay after a visit."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from tests.conftest import make_id
from yanglao.benefits import lifecert, matching, payfiles, recoveries, services
from yanglao.benefits.models import Entitlement, MatchRow, Recovery, RunChange, Suspension
from yanglao.people.models import Person

AUG, SEP, OCT, NOV = (dt.date(2026, m, 1) for m in (8, 9, 10, 11))
TODAY = dt.date(2026, 11, 29)
NAMES = ["黄秀英", "李桂芳", "陈国强", "林玉兰", "梁志明", "吴桂英", "张伟", "王芳", "刘德华", "何丽"]


def death_list(rows, *, title=True) -> bytes:
    """A death list as the public-security bureau sends it: a title row, a serial column, and an ID
    sometimes typed as a number (Excel has then lost its last digits: reported, as the import does)."""
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append(["阳江市公安局江城分局 2026年10月死亡人员名单"])
    ws.append(["序号", "姓名", "公民身份号码", "死亡日期", "备注"])
    for i, (name, idno, day) in enumerate(rows, start=1):
        ws.append([i, name, idno, day, ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def paid_people(city_admin, city_checker, jiangcheng, age_allowance, new_person, run_month):
    """Ten people aged 80+, all with accounts, paid for August, September and October (approved)."""
    people = []
    for i in range(10):
        idno = make_id(birth="19400101", seq=f"{600 + i:03d}")
        p = new_person(name=NAMES[i], id_number=idno)
        p.plain_id = idno
        services.bank_account_set(by=jiangcheng, person=p, bank_name="广东阳江农村商业银行",
                                  account_no=f"62284801234567{i:05d}", holder_name=p.name)
        people.append(p)
    for month in (AUG, SEP, OCT):
        run = run_month(city_admin, age_allowance, month)
        services.run_approve(by=city_checker, run=run)
    return people


def test_the_death_list_suspends_the_paid_opens_recoveries_and_the_next_file_leaves_them_out(
        city_admin, city_checker, jiangcheng, auditor, age_allowance, paid_people, run_month, client):
    dead = paid_people[:6]
    rows = [(p.name, p.plain_id, "2026-08-20") for p in dead]
    rows.append(("外市人", make_id(region="440106", birth="19400101", seq="777"), "2026-10-01"))  # another city
    rows.append(("查无此人", make_id(birth="19400101", seq="999"), "2026-10-02"))  # not in the registry
    rows.append((dead[0].name, dead[0].plain_id, "2026-08-20"))  # duplicate
    rows.append((paid_people[7].name, paid_people[7].plain_id, "2026年13月1日"))  # unreadable date
    rows.append((paid_people[8].name, float(paid_people[8].plain_id[:17] + "0"), "2026-10-03"))  # ID as a number
    batch = matching.match_import(by=jiangcheng, kind="death", filename="死亡名单.xlsx", content=death_list(rows),
                                  source_unit="阳江市公安局江城分局", document_no="江公户〔2026〕10号", today=TODAY)
    assert (batch.rows, batch.changes, batch.not_found, batch.bad) == (11, 6, 1, 4)
    bad = {r.row_no: (r.column, r.reason) for r in MatchRow.objects.filter(batch=batch, outcome="bad")}
    assert "外市身份证号码" in bad[9][1] and "440106" in bad[9][1]  # row numbers as Excel shows them
    assert "重复" in bad[11][1] and "与第 3 行重复" in bad[11][1]
    assert bad[12][0] == "D 日期" and "死亡日期" in bad[12][1]
    assert bad[13][0] == "C 身份证号码" and "存为数字" in bad[13][1]
    # nothing changed before a reviewer confirms
    assert Person.objects.filter(status="active").count() == 10 and not Recovery.objects.exists()

    assert matching.match_confirm(by=jiangcheng, batch=batch) == 6
    for p in dead:
        p.refresh_from_db()
        assert (p.status, p.status_date) == ("deceased", dt.date(2026, 8, 20))
        s = Suspension.objects.get(person=p, programme=age_allowance)
        assert s.reason == "death" and s.from_month == SEP and "江公户〔2026〕10号" in s.document
    recs = Recovery.objects.filter(person__in=dead).order_by("person_id")
    assert recs.count() == 6
    assert all((r.months, r.amount, r.first_month, r.last_month, r.status) == (2, Decimal("100.00"), SEP, OCT, "open")
               for r in recs)
    assert recs[0].items.count() == 2

    nov = run_month(city_admin, age_allowance, NOV)
    paid = set(Entitlement.objects.filter(run=nov).values_list("person_id", flat=True))
    assert paid == {p.pk for p in paid_people[6:]}
    stopped = dict(RunChange.objects.filter(run=nov).values_list("person_id", "reason"))
    assert stopped == {p.pk: "death" for p in dead}
    services.run_approve(by=city_checker, run=nov)
    nov.refresh_from_db()
    content, _ = payfiles.payment_csv(by=city_admin, run=nov)
    lines = list(csv.reader(io.StringIO(content.decode("gbk"))))
    assert lines[-1][:2] == ["合计", "4"] and lines[-1][3] == "200.00"

    client.force_login(auditor)
    response = client.get("/benefits/recoveries/report.xlsx")
    assert response.status_code == 200
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(response.content), read_only=True).active
    values = list(ws.iter_rows(values_only=True))
    assert any(r[0] == "441702" and r[3] == 600 for r in values if r and r[0]), values


def test_a_recipient_who_missed_proof_of_life_is_suspended_and_resumed_with_back_pay(
        city_admin, city_checker, jiangcheng, age_allowance, new_person, run_month):
    a = new_person(name="认证甲", id_number=make_id(birth="19400101", seq="701"))
    b = new_person(name="认证乙", id_number=make_id(birth="19400101", seq="702"))
    for month in (AUG, SEP):
        services.run_approve(by=city_checker, run=run_month(city_admin, age_allowance, month))
    lifecert.programme_requirement_set(by=city_admin, programme=age_allowance, every_months=12, fixed_month=None,
                                       fixed_day=None, since=dt.date(2025, 9, 15))
    lifecert.certify(by=jiangcheng, person=a, certified_on=dt.date(2026, 6, 1), method="video")
    assert [r["person_id"] for r in lifecert.due_rows(age_allowance, scope_prefix="4417",
                                                      until=dt.date(2026, 10, 1))] == [b.pk]
    octo = run_month(city_admin, age_allowance, OCT)
    assert set(Entitlement.objects.filter(run=octo).values_list("person_id", flat=True)) == {a.pk}
    s = Suspension.objects.get(person=b)
    assert s.reason == "proof_of_life" and s.from_month == OCT and "2026-09-15" in s.note
    assert RunChange.objects.get(run=octo, person=b).reason == "proof_of_life"
    services.run_approve(by=city_checker, run=octo)

    lifecert.certify(by=jiangcheng, person=b, certified_on=dt.date(2026, 11, 5), method="visit")
    s.refresh_from_db()
    assert s.lifted_at is not None and s.resumed_by == jiangcheng
    nov = run_month(city_admin, age_allowance, NOV)
    got = {(e.person_id, e.month, e.kind) for e in Entitlement.objects.filter(run=nov)}
    assert (b.pk, NOV, "regular") in got and (b.pk, OCT, "back_pay") in got


def test_a_face_check_needs_its_reference(jiangcheng, new_person):
    from yanglao.core.errors import ValidationFailed

    p = new_person(name="人脸", id_number=make_id(birth="19400101", seq="703"))
    with pytest.raises(ValidationFailed, match="参考号"):
        lifecert.certify(by=jiangcheng, person=p, certified_on=dt.date(2026, 11, 1), method="bank_face")


def test_recoveries_are_repaid_partly_then_fully_and_never_above_the_amount(
        city_admin, jiangcheng, age_allowance, paid_people):
    from yanglao.core.errors import ValidationFailed

    person = paid_people[0]
    with pytest.raises(ValidationFailed, match="超过"):
        recoveries.recovery_create(by=jiangcheng, person=person, event="death", event_date=dt.date(2026, 8, 20),
                                   amount="150", document="死亡证明")
    rec = recoveries.recovery_create(by=jiangcheng, person=person, event="death", event_date=dt.date(2026, 8, 20),
                                     amount="100", document="死亡证明")
    assert rec.months == 2
    recoveries.repayment_record(by=jiangcheng, recovery=rec, amount="40", paid_on=TODAY, reference="票据001")
    rec.refresh_from_db()
    assert (rec.status, rec.recovered) == ("partly", Decimal("40.00"))
    with pytest.raises(ValidationFailed, match="超过尚未追回"):
        recoveries.repayment_record(by=jiangcheng, recovery=rec, amount="70", paid_on=TODAY, reference="票据002")
    recoveries.repayment_record(by=jiangcheng, recovery=rec, amount="60", paid_on=TODAY, reference="票据002")
    rec.refresh_from_db()
    assert rec.status == "recovered"
