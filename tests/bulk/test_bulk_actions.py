"""Bulk actions beyond reassessment: balanced assignment, enrolments approved/returned/suspended,
suspensions resumed, the selection's export; scope of "all matching"; two runs at once."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from tests.bulk.conftest import COMMUNITY
from tests.conftest import needs_postgres
from yanglao.assessments import services as assessment_services
from yanglao.assessments.models import Assessment
from yanglao.benefits.models import Enrolment, Suspension
from yanglao.core.bulkactions import bulk_job_run
from yanglao.core.bulkjobs import BulkJob, BulkJobItem
from yanglao.core.models import AuditAction, AuditEntry
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client

pytestmark = pytest.mark.django_db

OTHER_COMMUNITY = "441721100005"  # 阳西县


def _post(client, key, **data):
    return client.post(reverse("core:bulk_confirm", args=[key]), data)


def _run(client, key, capture, **data):
    with capture(execute=True):
        response = _post(client, key, confirmed="1", **data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return BulkJob.objects.order_by("-pk").first()


@needs_postgres
def test_assignment_balances_assessors_by_their_current_load(
        jiangcheng, new_person, django_capture_on_commit_callbacks):
    a, b, c, d = (make_user(Role.ASSESSOR, "441702", username=f"pg{n}", real_name=name)
                  for n, name in enumerate(["吴志坚", "郑美玲", "梁国华", "何丽萍"]))
    make_user(Role.ASSESSOR, "441721", username="yangxi-assessor", real_name="许文")  # another county: never chosen
    people = [new_person(name=n, id_number=_id(i)) for i, n in enumerate(
        ["陈秀英", "林桂芳", "黄玉兰", "李淑珍", "王建国", "张志强", "刘美玲", "吴亚娣", "郑金花", "何伟明",
         "梁秀英", "谢桂芳", "罗玉兰"])]
    # c and d already have three assessments each in hand
    for person in people[:3]:
        r = assessment_services.assessment_request(by=jiangcheng, person=person)
        assessment_services.assessment_schedule(by=jiangcheng, assessment=r, assessor_1=c, assessor_2=d,
                                                scheduled_on=dt.date(2026, 12, 1))
    requested = [assessment_services.assessment_request(by=jiangcheng, person=p) for p in people[3:]]
    client = page_client(jiangcheng)
    job = _run(client, "assessments.list", django_capture_on_commit_callbacks, action="assign", scope="all",
               query="status=requested", scheduled_on="2026-12-10", comment="十二月集中评估")
    assert (job.total, job.done, job.refused) == (10, 10, 0)
    loads = {u.username: Assessment.objects.filter(status="scheduled").filter(
        assessor_1=u).count() + Assessment.objects.filter(status="scheduled", assessor_2=u).count() for u in (a, b, c, d)}
    assert sum(loads.values()) == 26 and max(loads.values()) - min(loads.values()) <= 1, loads
    assert not Assessment.objects.filter(assessor_1__username="yangxi-assessor").exists()
    first = BulkJobItem.objects.filter(job=job).order_by("pk").first()
    assert "原有 0 件" in first.reason and "2026-12-10" in first.reason
    assert all(r.scheduled_on is None for r in requested)  # the callers' copies untouched; rows changed
    assert Assessment.objects.filter(pk__in=[r.pk for r in requested], scheduled_on=dt.date(2026, 12, 10)).count() == 10


def _id(i: int) -> str:
    from tests.people.conftest import make_id

    return make_id(birth="19420202", seq=f"{600 + i:03d}")


def test_assignment_asks_for_a_date_on_the_confirmation_page(jiangcheng, new_person):
    person = new_person(name="陈秀英")
    assessment_services.assessment_request(by=jiangcheng, person=person)
    client = page_client(jiangcheng)
    response = _post(client, "assessments.list", action="assign", scope="all", query="", confirmed="1")
    assert response.status_code == 400 and 'data-testid="error-scheduled_on"' in response.content.decode()
    assert not BulkJob.objects.exists()


@needs_postgres
def test_a_county_users_all_matching_cannot_reach_another_county(
        jiangcheng, yangxi, applications, township, django_capture_on_commit_callbacks):
    ours = applications(3)
    theirs = applications(2, division_code=OTHER_COMMUNITY, region="441721", by=yangxi)
    checker = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng-checker")
    client = page_client(checker)
    # ids of another county's records are dropped by the server's own selection: nothing to do
    response = _post(client, "benefits.enrolments", action="approve", scope="ids", ids=[e.pk for e in theirs])
    assert response.status_code == 302 and not BulkJob.objects.exists()
    # "all matching" is the list's search re-run inside the user's jurisdiction
    job = _run(client, "benefits.enrolments", django_capture_on_commit_callbacks, action="approve", scope="all",
               query="status=applied", ids=[e.pk for e in theirs])
    assert sorted(job.items.values_list("object_id", flat=True)) == sorted(e.pk for e in ours)
    assert Enrolment.objects.filter(pk__in=[e.pk for e in theirs], status="applied").count() == 2
    # the export of "all matching" holds this county's rows only
    response = _post(client, "benefits.enrolments", action="export", scope="all", query="", confirmed="1")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sorted(r[0] for r in list(sheet.iter_rows(values_only=True))[1:]) == sorted(e.pk for e in ours)
    # a township without the export capability is refused it
    assert _post(page_client(township), "benefits.enrolments", action="export", scope="all").status_code == 403
    # another user cannot open the job's result
    assert page_client(yangxi).get(reverse("core:bulk_job", args=[job.pk])).status_code == 404


@needs_postgres
def test_enrolments_are_approved_in_bulk_but_never_by_their_applicant(
        jiangcheng, applications, django_capture_on_commit_callbacks):
    checker = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng-checker")
    by_checker = applications(1, by=checker)[0]  # the checker applied for this one: maker-checker refuses
    others = applications(4)
    job = _run(page_client(checker), "benefits.enrolments", django_capture_on_commit_callbacks, action="approve",
               scope="ids", ids=[e.pk for e in others] + [by_checker.pk], comment="材料齐全")
    assert (job.done, job.refused) == (4, 1)
    assert BulkJobItem.objects.get(job=job, object_id=by_checker.pk).reason == "不能审核自己提交的申请，须由另一名工作人员审核"
    assert Enrolment.objects.filter(pk__in=[e.pk for e in others], status="approved",
                                    approved_by=checker).count() == 4


@needs_postgres
def test_returning_enrolments_needs_a_reason_and_keeps_it(jiangcheng, applications,
                                                         django_capture_on_commit_callbacks):
    checker = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng-checker")
    rows = applications(2)
    client = page_client(checker)
    response = _post(client, "benefits.enrolments", action="return", scope="ids", ids=[e.pk for e in rows],
                     confirmed="1")
    assert response.status_code == 400 and "请填写不予通过的原因" in response.content.decode()
    job = _run(client, "benefits.enrolments", django_capture_on_commit_callbacks, action="return", scope="ids",
               ids=[e.pk for e in rows], comment="户籍不在本县")
    assert job.done == 2
    assert all("户籍不在本县" in e.note for e in Enrolment.objects.filter(pk__in=[e.pk for e in rows]))


@needs_postgres
def test_suspend_then_resume_in_bulk_and_a_second_suspension_is_reported_not_repeated(
        jiangcheng, applications, django_capture_on_commit_callbacks):
    checker = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng-checker")
    rows = applications(3)
    client = page_client(checker)
    _run(client, "benefits.enrolments", django_capture_on_commit_callbacks, action="approve", scope="all", query="")
    job = _run(client, "benefits.enrolments", django_capture_on_commit_callbacks, action="suspend", scope="all",
               query="", reason="institution_admission", from_month="2027-01", comment="集中入住敬老院")
    assert (job.done, job.refused) == (3, 0)
    again = _run(client, "benefits.enrolments", django_capture_on_commit_callbacks, action="suspend", scope="all",
                 query="", reason="other", from_month="2027-02")
    assert (again.done, again.skipped) == (0, 3)
    assert Suspension.objects.count() == 3
    resumed = _run(client, "benefits.suspensions", django_capture_on_commit_callbacks, action="resume", scope="all",
                   query="state=open", from_month="2027-03")
    assert resumed.done == 3
    assert set(Suspension.objects.values_list("to_month", flat=True)) == {dt.date(2027, 2, 1)}
    assert len(rows) == 3


@needs_postgres
def test_the_selection_exports_masked_and_the_export_is_audited(township, make_due):
    due = make_due(3)
    client = page_client(township)
    response = _post(client, "assessments.due", action="export", scope="ids", ids=[a.pk for a in due[:2]],
                     confirmed="1", comment="核对名单")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[0][1] == "姓名"
    assert all("*" in r[2] for r in rows[1:])  # ID numbers masked
    line = AuditEntry.objects.filter(action=AuditAction.EXPORT).latest("id")
    assert line.extra["masked"] is True and line.extra["count"] == 2
    assert sorted(line.extra["filters"]["ids"]) == sorted(a.pk for a in due[:2])


def test_roles_without_the_capability_see_no_selection_and_cannot_post(divisions, jiangcheng):
    community = make_user(Role.COMMUNITY_WORKER, COMMUNITY, username="sq")
    client = page_client(community)
    assert _post(client, "benefits.enrolments", action="approve", scope="all").status_code == 403
    page = client.get(reverse("benefits:enrolments"))
    assert page.status_code == 200 and 'data-testid="bulk-bar"' not in page.content.decode()


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_over_the_same_records_at_once_apply_each_record_once(jiangcheng, applications):
    from django.db import connections

    from yanglao.core.bulkactions import Selection, bulk_job_start, bulk_list

    checker = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng-checker")
    rows = applications(12)
    blist = bulk_list("benefits.enrolments")
    action = blist.action("approve")
    jobs = []
    for _ in range(2):
        qs = Enrolment.objects.filter(pk__in=[e.pk for e in rows])
        jobs.append(bulk_job_start(by=checker, blist=blist, action=action,
                                   selection=Selection(queryset=qs, scope="ids", ids=[], query="")))
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(job_id: int) -> None:
        try:
            barrier.wait()
            bulk_job_run(job_id)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(j.pk,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    done = sum(BulkJob.objects.get(pk=j.pk).done for j in jobs)
    skipped = sum(BulkJob.objects.get(pk=j.pk).skipped for j in jobs)
    assert (done, skipped) == (12, 12)
    assert Enrolment.objects.filter(status="approved").count() == 12
    # each enrolment was approved by exactly one save: one update line in its history
    for e in rows:
        assert AuditEntry.objects.filter(object_type="benefits.enrolment", object_id=str(e.pk),
                                         action=AuditAction.UPDATE).count() == 1
    assert connection.vendor == "postgresql"


def test_the_confirmation_says_how_many_selected_records_the_action_does_not_apply_to(jiangcheng, applications):
    checker = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng-checker")
    rows = applications(3)
    Enrolment.objects.filter(pk=rows[0].pk).update(status="rejected", approved_by=checker)
    client = page_client(checker)
    page = _post(client, "benefits.enrolments", action="suspend", scope="ids", ids=[e.pk for e in rows])
    assert page.status_code == 302  # none is approved: nothing to suspend, and the list says why
    page = _post(client, "benefits.enrolments", action="approve", scope="ids", ids=[e.pk for e in rows])
    text = page.content.decode()
    assert "勾选的 2 条" in text and "所选范围内另有 1 条记录不适用此操作" in text


def test_the_selected_reports_print_as_one_pdf_and_a_large_selection_becomes_a_print_job(
        jiangcheng, make_due, monkeypatch, django_capture_on_commit_callbacks):
    from yanglao.documents import services as documents
    from yanglao.documents.models import DocumentJob, IssuedDocument

    results = make_due(3)
    client = page_client(jiangcheng)
    page = client.get(reverse("assessments:list") + "?status=approved")
    assert 'data-testid="bulk-action-print"' in page.content.decode()
    response = _post(client, "assessments.list", action="print", scope="all", query="status=approved", confirmed="1")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content[:5] == b"%PDF-"
    assert sorted(IssuedDocument.objects.values_list("object_id", flat=True)) == sorted(str(a.pk) for a in results)
    # the due list prints the same reports; more than the documents module renders at once becomes a job
    monkeypatch.setattr(documents, "MANY_IN_JOB", 2)
    with django_capture_on_commit_callbacks(execute=False):
        response = _post(client, "assessments.due", action="print", scope="all", query="", confirmed="1")
    job = DocumentJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("documents:job", args=[job.pk])
    assert job.total == 3
