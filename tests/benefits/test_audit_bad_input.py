"""The issue's bad input, each refused with its reason: matching files with other cities' IDs,
duplicates and an unreadable column; a recovery above what was paid; a negative adjustment without a
second signature; a bank file whose total does not match the run. And the other audit rules:
held-back lines, bank formats, ending an enrolment, write-offs with a second signature."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from tests.conftest import make_id
from yanglao.benefits import matching, payfiles, recoveries, services
from yanglao.benefits.models import BankFileFormat, Entitlement, MatchRow, Recovery
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.models import AuditEntry
from yanglao.people.models import Person, PersonCategory

SEP, OCT, NOV = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)
TODAY = dt.date(2026, 11, 29)


def gbk_csv(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


@pytest.fixture
def two_paid(city_admin, city_checker, jiangcheng, age_allowance, new_person, run_month):
    people = []
    for i, name in enumerate(["黄秀英", "李桂芳"]):
        idno = make_id(birth="19400101", seq=f"{800 + i:03d}")
        p = new_person(name=name, id_number=idno)
        p.plain_id = idno
        services.bank_account_set(by=jiangcheng, person=p, bank_name="广东阳江农村商业银行",
                                  account_no=f"62284801234567{i:05d}", holder_name=name)
        people.append(p)
    for month in (SEP, OCT):
        services.run_approve(by=city_checker, run=run_month(city_admin, age_allowance, month))
    return people


def test_a_gbk_csv_with_a_title_row_and_other_citys_ids_is_reported_per_row_and_changes_nothing(
        jiangcheng, two_paid):
    a = two_paid[0]
    content = gbk_csv([
        "阳江市殡葬管理所 火化人员名单（2026年10月）",
        "姓名,身份证号,死亡时间",
        f"{a.name},{a.plain_id},2026/10/03",
        f"外市,{make_id(region='440305', birth='19400101', seq='111')},2026/10/04",
        f"{a.name},{a.plain_id},2026/10/03",
        f"错号,{a.plain_id[:-1]}0,2026/10/05",
    ])
    batch = matching.match_import(by=jiangcheng, kind="death", filename="火化名单.csv", content=content,
                                  source_unit="阳江市殡葬管理所", document_no="2026-10", today=TODAY)
    reasons = dict(MatchRow.objects.filter(batch=batch, outcome="bad").values_list("row_no", "reason"))
    assert "外市身份证号码" in reasons[4] and "重复" in reasons[5] and "校验位" in reasons[6]
    assert batch.changes == 1
    a.refresh_from_db()
    assert a.status == "active"  # nothing changed until a reviewer confirms


def test_a_list_without_its_date_column_is_refused_whole(jiangcheng, two_paid):
    content = gbk_csv(["姓名,身份证号码,备注", f"{two_paid[0].name},{two_paid[0].plain_id},"])
    with pytest.raises(ValidationFailed, match="死亡日期"):
        matching.match_import(by=jiangcheng, kind="death", filename="x.csv", content=content, source_unit="公安",
                              document_no="1", today=TODAY)


def test_the_same_file_is_not_imported_twice_and_a_source_is_required(jiangcheng, two_paid):
    content = gbk_csv(["姓名,身份证号码,死亡日期", f"{two_paid[0].name},{two_paid[0].plain_id},2026-10-03"])
    with pytest.raises(ValidationFailed):
        matching.match_import(by=jiangcheng, kind="death", filename="x.csv", content=content, source_unit="",
                              document_no="", today=TODAY)
    matching.match_import(by=jiangcheng, kind="death", filename="x.csv", content=content, source_unit="公安",
                          document_no="1", today=TODAY)
    with pytest.raises(Conflict, match="已导入"):
        matching.match_import(by=jiangcheng, kind="death", filename="x.csv", content=content, source_unit="公安",
                              document_no="1", today=TODAY)


def test_assistance_and_disability_lists_change_categories_with_the_document(jiangcheng, two_paid):
    a, b = two_paid
    content = gbk_csv(["姓名,身份证号码,救助类别,变动类型,变动日期", f"{a.name},{a.plain_id},低保,纳入,2026-10-01",
                       f"{b.name},{b.plain_id},特困,停保,2026-10-01", f"{b.name}x,{a.plain_id[:6]},低保,纳入,2026-10-01"])
    batch = matching.match_import(by=jiangcheng, kind="assistance", filename="低保.csv", content=content,
                                  source_unit="江城区民政局社会救助股", document_no="江民救〔2026〕9号", today=TODAY)
    # b never had 特困: ending it is consistent; the short ID is a bad row
    assert (batch.changes, batch.consistent, batch.bad) == (1, 1, 1)
    matching.match_confirm(by=jiangcheng, batch=batch)
    c = PersonCategory.objects.get(person=a, category="dibao")
    assert c.valid_from == OCT and c.document_no == "江民救〔2026〕9号"
    content = gbk_csv(["姓名,身份证号码,残疾等级,发证日期", f"{b.name},{b.plain_id},二级,2026-09-09",
                       f"{a.name},{a.plain_id},四级,2026-09-09", f"{a.name},{a.plain_id[:-2]}XX,五级,2026-09-09"])
    batch = matching.match_import(by=jiangcheng, kind="disability", filename="残疾.csv", content=content,
                                  source_unit="阳江市残联", document_no="残联2026-9", today=TODAY)
    assert (batch.changes, batch.consistent, batch.bad) == (1, 1, 1)
    matching.match_confirm(by=jiangcheng, batch=batch)
    assert PersonCategory.objects.get(person=b, category="severe_disability").disability_grade == 2


def test_a_prison_list_suspends_without_a_recovery(city_admin, jiangcheng, age_allowance, two_paid, run_month):
    a = two_paid[0]
    content = gbk_csv(["姓名,身份证号码,入监日期", f"{a.name},{a.plain_id},2026-10-20"])
    batch = matching.match_import(by=jiangcheng, kind="prison", filename="服刑.csv", content=content,
                                  source_unit="阳江监狱", document_no="2026-10", today=TODAY)
    matching.match_confirm(by=jiangcheng, batch=batch)
    assert a.benefit_suspensions.get().reason == "imprisonment" and not Recovery.objects.exists()
    nov = run_month(city_admin, age_allowance, NOV)
    assert not Entitlement.objects.filter(run=nov, person=a).exists()


def test_a_county_confirms_only_its_own_rows_and_a_row_one_by_one(jiangcheng, yangxi, two_paid):
    content = gbk_csv(["姓名,身份证号码,死亡日期"] + [f"{p.name},{p.plain_id},2026-09-10" for p in two_paid])
    batch = matching.match_import(by=jiangcheng, kind="death", filename="d.csv", content=content, source_unit="公安",
                                  document_no="1", today=TODAY)
    from yanglao.core.testing import page_client

    assert page_client(yangxi).get(f"/benefits/matching/{batch.pk}/").status_code == 404  # another county's list
    row = MatchRow.objects.filter(batch=batch, outcome="change").order_by("row_no").first()
    assert matching.match_confirm(by=jiangcheng, batch=batch, row_ids=[row.pk]) == 1
    assert Person.objects.filter(status="deceased").count() == 1
    assert Recovery.objects.get().amount == Decimal("50.00")  # October only (September is the month of death)


def test_a_recovery_above_what_was_paid_is_refused(jiangcheng, two_paid):
    with pytest.raises(ValidationFailed, match="不能追回多于已发放"):
        recoveries.recovery_create(by=jiangcheng, person=two_paid[0], event="moved_away",
                                   event_date=dt.date(2026, 9, 5), amount="50.01", document="迁出证明")
    with transaction.atomic(), pytest.raises(IntegrityError):
        Recovery.objects.create(person=two_paid[0], event="death", event_date=SEP, amount=10, recovered=11,
                                first_month=OCT, last_month=OCT, division_code="441702001001")


def test_a_negative_adjustment_needs_a_second_signature(city_admin, city_checker, jiangcheng, age_allowance, two_paid,
                                                        run_month):
    a = two_paid[0]
    line = services.negative_adjustment_request(by=city_admin, person=a, programme=age_allowance, amount="20",
                                                note="多发更正")
    assert line.amount == Decimal("-20.00")
    with pytest.raises(ValidationFailed, match="扣减原因"):
        services.negative_adjustment_request(by=city_admin, person=a, programme=age_allowance, amount="20", note="")
    with pytest.raises(ValidationFailed, match="不能超过"):
        services.negative_adjustment_request(by=city_admin, person=a, programme=age_allowance, amount="60",
                                             note="超额")
    nov = run_month(city_admin, age_allowance, NOV)  # unsigned: not carried
    line.refresh_from_db()
    assert line.run_id is None
    with transaction.atomic(), pytest.raises(IntegrityError):
        Entitlement.objects.filter(pk=line.pk).update(run=nov)  # the database refuses it too
    with pytest.raises(Forbidden, match="另一名"):
        services.adjustment_sign(by=city_admin, line=line)
    services.adjustment_sign(by=city_checker, line=line)
    nov = run_month(city_admin, age_allowance, NOV)
    line.refresh_from_db()
    assert line.run_id == nov.pk and nov.total_amount == Decimal("80.00")
    nov = services.run_approve(by=city_checker, run=nov)
    content, _ = payfiles.payment_csv(by=city_admin, run=nov)
    rows = content.decode("gbk").splitlines()
    assert rows[-1].split(",")[:2] == ["合计", "2"] and rows[-1].split(",")[3] == "80.00"  # netted, never a negative line


def test_a_bank_file_whose_total_does_not_match_the_run_is_refused(city_admin, city_checker, age_allowance, two_paid,
                                                                   run_month):
    nov = run_month(city_admin, age_allowance, NOV)
    services.run_approve(by=city_checker, run=nov)
    nov.refresh_from_db()
    fmt = BankFileFormat.objects.get(code="psbc")
    content, name = payfiles.bank_file(by=city_admin, run=nov, fmt=fmt, reason="报送邮储银行代发")
    text = content.decode("gbk").splitlines()
    assert text[0].startswith("H|") and text[0].endswith("|2|100.00") and text[-1] == "T|2|100.00"
    assert two_paid[0].plain_id in content.decode("gbk")  # the full ID number the bank needs
    assert name.startswith("PSBC") and name.endswith(f"_{nov.pk}.txt")
    assert AuditEntry.objects.filter(action="export", extra__reason="报送邮储银行代发").exists()
    with pytest.raises(ValidationFailed, match="事由"):
        payfiles.bank_file(by=city_admin, run=nov, fmt=fmt, reason="")
    with connection.cursor() as cur:  # a line changed behind the run's back
        cur.execute("UPDATE benefits_entitlement SET amount = amount + 1 WHERE id = (SELECT MIN(id) FROM "
                    "benefits_entitlement WHERE run_id = %s)", [nov.pk])
    with pytest.raises(Conflict, match="合计与批次不符"):
        payfiles.bank_file(by=city_admin, run=nov, fmt=fmt, reason="报送")
    with pytest.raises(Conflict, match="合计与批次不符"):
        payfiles.payment_xlsx(by=city_admin, run=nov)


def test_county_staff_may_not_download_the_bank_file(jiangcheng, city_admin, city_checker, age_allowance, two_paid,
                                                     run_month):
    nov = run_month(city_admin, age_allowance, NOV)
    services.run_approve(by=city_checker, run=nov)
    with pytest.raises(Forbidden):
        payfiles.bank_file(by=jiangcheng, run=nov, fmt=BankFileFormat.objects.first(), reason="报送")


def test_lines_without_a_valid_account_or_suspended_since_the_preview_are_held_back(
        city_admin, city_checker, jiangcheng, age_allowance, two_paid, new_person, run_month):
    c = new_person(name="陈国强", id_number=make_id(birth="19400101", seq="820"))  # no account
    nov = run_month(city_admin, age_allowance, NOV)
    services.suspension_create(by=jiangcheng, person=two_paid[1], programme=age_allowance, reason="other",
                               from_month=NOV, note="核查中")
    nov = services.run_approve(by=city_checker, run=nov)
    held = {h.person_id: h.reason for h in payfiles.held_lines(nov)}
    assert held == {c.pk: "no_account", two_paid[1].pk: "suspended"}
    content, _ = payfiles.payment_csv(by=city_admin, run=nov)
    rows = list(__import__("csv").reader(io.StringIO(content.decode("gbk"))))
    assert rows[-1][:2] == ["合计", "1"] and rows[-1][3] == "50.00"
    payfiles.run_mark_paid(by=city_admin, run=nov, confirmed=True)
    nov.refresh_from_db()
    # recorded as not paid, with the reason (陈国强: November and the back pay for September and October)
    assert nov.failed_count == 4
    services.bank_account_set(by=jiangcheng, person=c, bank_name="中国农业银行阳江分行", account_no="6228481111222233334",
                              holder_name=c.name)
    dec = run_month(city_admin, age_allowance, dt.date(2026, 12, 1))
    carried = set(Entitlement.objects.filter(run=dec, kind="carried").values_list("person_id", flat=True))
    assert carried == {c.pk}  # the suspended person's November is not carried


def test_ending_an_enrolment_keeps_the_last_month_and_is_not_a_suspension(city_admin, jiangcheng, township_checker,
                                                                          new_person):
    p = services.programme_create(by=city_admin, code="huli", name="护理补贴", kind="subsidy",
                                  legal_basis="阳民〔2025〕3号", band_basis="flat", enrolment_mode="application")
    person = new_person(name="林玉兰", id_number=make_id(birth="19400101", seq="830"))
    e = services.enrolment_apply(by=jiangcheng, person=person, programme=p, from_month=SEP)
    services.enrolment_decide(by=township_checker, enrolment=e, approve=True)
    with pytest.raises(ValidationFailed):
        services.enrolment_end(by=jiangcheng, enrolment=e, reason="", last_month=OCT)
    e = services.enrolment_end(by=jiangcheng, enrolment=e, reason="request", last_month=OCT, note="本人申请")
    assert (e.status, e.to_month, e.end_reason) == ("ended", OCT, "request")
    assert not person.benefit_suspensions.exists()
    with pytest.raises(Conflict):
        services.enrolment_end(by=jiangcheng, enrolment=e, reason="request", last_month=OCT)


def test_a_write_off_needs_a_reason_and_another_persons_approval(city_admin, city_checker, jiangcheng, two_paid):
    rec = recoveries.recovery_create(by=jiangcheng, person=two_paid[0], event="death", event_date=dt.date(2026, 9, 5),
                                     amount="50", document="死亡证明")
    with pytest.raises(ValidationFailed):
        recoveries.write_off_request(by=city_admin, recovery=rec, reason="")
    recoveries.write_off_request(by=city_admin, recovery=rec, reason="无遗产无继承人，经调查无法追回")
    with pytest.raises(Forbidden, match="另一名"):
        recoveries.write_off_approve(by=city_admin, recovery=rec)
    rec = recoveries.write_off_approve(by=city_checker, recovery=rec)
    assert rec.status == "written_off" and rec.outstanding == 0


def test_a_confirmed_assistance_list_writes_categories_the_category_search_finds(jiangcheng, two_paid):
    """The list's categories carry the person's community (the category search reads the holders in an area
    from the category rows, issue 22)."""
    from yanglao.people import selectors

    a, _ = two_paid
    content = gbk_csv(["姓名,身份证号码,救助类别,变动类型,变动日期", f"{a.name},{a.plain_id},特困,纳入,2026-10-01"])
    batch = matching.match_import(by=jiangcheng, kind="assistance", filename="特困.csv", content=content,
                                  source_unit="江城区民政局社会救助股", document_no="江民救〔2026〕10号", today=TODAY)
    matching.match_confirm(by=jiangcheng, batch=batch)
    row = PersonCategory.objects.get(person=a, category="tekun")
    assert row.division_code == a.division_code
    found = selectors.search_people(jiangcheng, {"category": "tekun", "division": a.division_code})
    assert a.pk in {p.pk for p in found}


def test_a_list_matched_in_chunks_finds_a_duplicate_across_chunks_and_counts_every_row(
        jiangcheng, two_paid, monkeypatch):
    a, b = two_paid
    monkeypatch.setattr(matching, "CHUNK_ROWS", 2)  # 7 rows: four chunks, each staged while the next is checked
    content = gbk_csv([
        "死亡人员名单",
        "姓名,身份证号码,死亡日期",
        f"{a.name},{a.plain_id},2026-10-03",
        f"无此人,{make_id(birth='19400101', seq='301')},2026-10-04",
        f"{b.name},{b.plain_id},2026-10-05",
        f"外市,{make_id(region='440305', birth='19400101', seq='111')},2026-10-04",
        f"{a.name},{a.plain_id},2026-10-03",
        f"错号,{a.plain_id[:-1]}0,2026-10-05",
        f"无此人,{make_id(birth='19400101', seq='302')},2026-10-06",
    ])
    batch = matching.match_import(by=jiangcheng, kind="death", filename="分块.csv", content=content,
                                  source_unit="阳江市公安局", document_no="2026-11", today=TODAY)
    rows = {r.row_no: r for r in MatchRow.objects.filter(batch=batch)}
    assert sorted(rows) == [3, 4, 5, 6, 7, 8, 9]
    assert rows[7].outcome == "bad" and "与第 3 行重复" in rows[7].reason  # the first in another chunk
    assert rows[3].person_id == a.pk and rows[5].person_id == b.pk
    assert (batch.rows, batch.changes, batch.not_found, batch.bad, batch.consistent) == (7, 2, 2, 3, 0)


def test_a_list_whose_write_fails_half_way_leaves_no_batch_and_no_rows(jiangcheng, two_paid, monkeypatch):
    a, b = two_paid
    monkeypatch.setattr(matching, "CHUNK_ROWS", 1)  # the first chunk is written, the second fails
    monkeypatch.setattr(matching._Matcher, "_match", _fail_on_second_chunk(matching._Matcher._match))
    content = gbk_csv(["姓名,身份证号码,死亡日期", f"{a.name},{a.plain_id},2026-10-03",
                       f"{b.name},{b.plain_id},2026-10-05", f"{b.name},{b.plain_id},2026-10-05"])
    with pytest.raises(Exception, match="second chunk"):
        matching.match_import(by=jiangcheng, kind="death", filename="坏.csv", content=content,
                              source_unit="阳江市公安局", document_no="2026-11", today=TODAY)
    assert not MatchRow.objects.exists()
    assert not matching.MatchBatch.objects.filter(filename="坏.csv").exists()
    # and the same file, once the database answers again, imports whole
    monkeypatch.undo()
    batch = matching.match_import(by=jiangcheng, kind="death", filename="坏.csv", content=content,
                                  source_unit="阳江市公安局", document_no="2026-11", today=TODAY)
    assert (batch.rows, batch.changes, batch.bad) == (3, 2, 1)


def _fail_on_second_chunk(real):
    seen = []

    def match(self, cur, chunk):
        seen.append(chunk)
        if len(seen) == 2:
            raise RuntimeError("the database went away at the second chunk")
        return real(self, cur, chunk)

    return match


def test_the_to_do_counts_unconfirmed_changes_in_scope_until_the_last_is_confirmed(jiangcheng, yangxi, two_paid):
    from yanglao.benefits.workbench import todo_match_review

    content = gbk_csv(["姓名,身份证号码,死亡日期"] + [f"{p.name},{p.plain_id},2026-09-10" for p in two_paid])
    batch = matching.match_import(by=jiangcheng, kind="death", filename="待办.csv", content=content,
                                  source_unit="公安", document_no="1", today=TODAY)
    assert todo_match_review(jiangcheng).count == 2
    assert todo_match_review(yangxi) is None  # another county's people
    first, second = MatchRow.objects.filter(batch=batch, outcome="change").order_by("row_no")
    matching.match_confirm(by=jiangcheng, batch=batch, row_ids=[first.pk])
    assert todo_match_review(jiangcheng).count == 1
    matching.match_confirm(by=jiangcheng, batch=batch, row_ids=[second.pk])
    assert todo_match_review(jiangcheng) is None
