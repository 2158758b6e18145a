"""A township requests 120 reassessments in one action and sees 117 done and 3 refused with reasons;
the job's progress and result; the batch's audit lines; a re-run does nothing twice."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import needs_postgres
from yanglao.assessments.models import Assessment
from yanglao.core.bulkjobs import BulkJob, BulkJobItem, BulkStatus
from yanglao.core.models import AuditAction, AuditEntry
from yanglao.core.testing import page_client
from yanglao.people.models import Person

pytestmark = pytest.mark.django_db


def _confirm(client, key, **data):
    return client.post(reverse("core:bulk_confirm", args=[key]), data)


@needs_postgres
def test_a_township_requests_120_reassessments_and_sees_117_done_and_3_refused_with_reasons(
        township, make_due, django_capture_on_commit_callbacks):
    due = make_due(120)
    client = page_client(township)

    page = client.get(reverse("assessments:due"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="bulk-bar"' in body and "全部符合当前搜索条件的 120 条" in body

    confirm = _confirm(client, "assessments.due", action="reassess", scope="all", query="")
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "将对符合搜索条件的全部 120 条记录执行“发起复评”" in text

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _confirm(client, "assessments.due", action="reassess", scope="all", query="", confirmed="1",
                            comment="2026年12月到期人员集中复评")
    job = BulkJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("core:bulk_job", args=[job.pk])
    assert job.total == 120 and job.status == BulkStatus.QUEUED

    # Between the confirmation and the run, three people change: one dies, one moves away, one moves to
    # another county (out of the township's jurisdiction).
    Person.objects.filter(pk=due[0].person_id).update(status="deceased", status_date=timezone.localdate())
    Person.objects.filter(pk=due[1].person_id).update(status="moved_away", status_date=timezone.localdate())
    moved = due[2].person
    Person.objects.filter(pk=moved.pk).update(division_code="441721100005")
    Assessment.objects.filter(person=moved).update(division_code="441721100005")

    for callback in callbacks:  # the job runs (ImmediateBackend in tests; db_worker in production)
        callback()
    job.refresh_from_db()
    assert (job.status, job.total, job.done, job.refused, job.skipped) == (BulkStatus.DONE, 120, 117, 3, 0)
    assert Assessment.objects.filter(reason="periodic", status="requested").count() == 117

    reasons = dict(BulkJobItem.objects.filter(job=job, outcome="refused").values_list("object_id", "reason"))
    assert reasons == {
        due[0].pk: "该老年人档案状态为“死亡”，不能申请评估",
        due[1].pk: "该老年人档案状态为“迁出”，不能申请评估",
        due[2].pk: "记录不存在或已不在您的管辖范围内",
    }

    result = client.get(reverse("core:bulk_job", args=[job.pk]) + "?outcome=refused")
    html = result.content.decode()
    assert "共 120 条，成功 117 条，未办理 3 条" in html
    assert "该老年人档案状态为“死亡”" in html and "记录不存在或已不在您的管辖范围内" in html

    progress = client.get(reverse("core:bulk_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'data-status="done"' in progress.content.decode() and "hx-trigger" not in progress.content.decode()

    xlsx = client.get(reverse("core:bulk_job_export", args=[job.pk]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


@needs_postgres
def test_the_batch_is_audited_as_one_request_line_and_one_result_line_with_the_records(
        township, make_due, django_capture_on_commit_callbacks):
    due = make_due(5)
    client = page_client(township)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _confirm(client, "assessments.due", action="reassess", scope="ids", ids=[a.pk for a in due],
                 confirmed="1", comment="集中复评")
    Person.objects.filter(pk=due[4].person_id).update(status="deceased", status_date=timezone.localdate())
    for callback in callbacks:
        callback()
    job = BulkJob.objects.get()
    lines = AuditEntry.objects.filter(action=AuditAction.BULK, object_id=f"bulkjob:{job.pk}").order_by("id")
    requested, finished = list(lines)
    assert requested.actor_username == "nanen" and requested.extra["phase"] == "requested"
    assert sorted(requested.extra["ids"]) == sorted(a.pk for a in due) and requested.extra["comment"] == "集中复评"
    assert finished.extra["phase"] == "finished" and finished.extra["count"] == 4
    assert sorted(finished.extra["done_ids"]) == sorted(a.pk for a in due[:4])
    assert list(finished.extra["refused_ids"]) == [str(due[4].pk)]
    assert finished.actor_username == "nanen"  # the job's lines carry the person who confirmed it


@needs_postgres
def test_a_second_run_over_the_same_people_reports_them_as_already_requested_not_twice(
        township, make_due, django_capture_on_commit_callbacks):
    due = make_due(6)
    client = page_client(township)
    ids = [a.pk for a in due]
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(client, "assessments.due", action="reassess", scope="ids", ids=ids[:3], confirmed="1")
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(client, "assessments.due", action="reassess", scope="ids", ids=ids, confirmed="1")
    first, second = BulkJob.objects.order_by("pk")
    assert (first.done, second.done, second.skipped, second.refused) == (3, 3, 3, 0)
    assert Assessment.objects.filter(reason="periodic").count() == 6
    skipped = BulkJobItem.objects.filter(job=second, outcome="skipped").values_list("reason", flat=True)
    assert all(r.startswith("已有进行中的评估（已申请") for r in skipped)


@needs_postgres
def test_rerunning_an_interrupted_job_does_only_the_records_still_pending(
        township, make_due, django_capture_on_commit_callbacks):
    from yanglao.core.bulkactions import bulk_job_run

    due = make_due(4)
    client = page_client(township)
    with django_capture_on_commit_callbacks(execute=False):
        _confirm(client, "assessments.due", action="reassess", scope="ids", ids=[a.pk for a in due], confirmed="1")
    job = BulkJob.objects.get()
    # The worker did two records, then died.
    BulkJobItem.objects.filter(job=job, object_id__in=[due[0].pk, due[1].pk]).update(outcome="done")
    BulkJob.objects.filter(pk=job.pk).update(status=BulkStatus.FAILED, done=2)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:bulk_job_rerun", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.done) == (BulkStatus.DONE, 4)
    assert Assessment.objects.filter(reason="periodic").count() == 2  # only the two still pending
    assert not bulk_job_run(job.pk).refused


def test_the_confirmation_changes_nothing_and_needs_a_selection(township, make_due):
    make_due(3)
    client = page_client(township)
    response = _confirm(client, "assessments.due", action="reassess", scope="ids", ids=[])
    assert response.status_code == 302  # back to the list with "没有选中任何记录"
    response = _confirm(client, "assessments.due", action="reassess", scope="all")
    assert response.status_code == 200 and not BulkJob.objects.exists()
    assert not Assessment.objects.filter(reason="periodic").exists()
