"""The city administrator words each kind without code (audited); several records print as one PDF, each
document with its own number (the bulk action's "print the selection"), refused ones listed with the reason."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.documents.conftest import pdf_pages, pdf_text
from yanglao.core.models import AuditEntry
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client
from yanglao.documents import services
from yanglao.documents.models import DocumentTemplate, IssuedDocument

pytestmark = pytest.mark.django_db


def test_the_city_administrator_changes_the_wording_and_the_change_is_audited(city_admin, jiangcheng, person):
    client = page_client(city_admin)
    assert client.get("/documents/templates/").status_code == 200
    response = client.post("/documents/templates/people.card/", {
        "title": "阳江市老年人信息档案卡", "issuing_unit": "阳江市民政局养老服务科", "footer": "仅限工作使用",
        "seal_text": "阳江市民政局（养老服务专用章）"})
    assert response.status_code == 302
    row = DocumentTemplate.objects.get(kind="people.card")
    assert AuditEntry.objects.filter(object_type="documents.documenttemplate", object_id=str(row.pk)).exists()
    text = "".join(pdf_text(page_client(jiangcheng).post(f"/documents/print/people.card/{person.pk}/").content).split())
    assert "阳江市老年人信息档案卡" in text and "阳江市民政局养老服务科" in text and "养老服务专用章" in text
    assert "仅限工作使用" in text
    # Only the city administrator may change it.
    assert page_client(jiangcheng).get("/documents/templates/").status_code == 403
    assert page_client(jiangcheng).post("/documents/templates/people.card/", {"title": "x"}).status_code == 403


def test_several_records_print_as_one_pdf_each_with_its_number_and_refusals_have_reasons(
        new_person, workflow, jiangcheng):
    done = [workflow(new_person(name=name)) for name in ("黄秀英", "林国强")]
    pending = workflow(new_person(name="陈少芬"), until="submitted")
    other = make_user(Role.COUNTY_STAFF, "441704", username="yangdong")
    result = services.render_many("assessments.report", [done[0], pending.pk, done[1]], jiangcheng)
    assert [d.object_id for d in result.issued] == [str(done[0].pk), str(done[1].pk)]
    assert result.refused == [(pending.pk, "评估尚未审核通过，不能出具报告")]
    text = pdf_text(result.pdf)
    assert all(d.number in text for d in result.issued) and "黄秀英" in text and "林国强" in text
    assert pdf_pages(result.pdf) == 4  # two pages each, "第 1 页 / 共 2 页" per document
    assert text.count("共 2 页") == 4
    line = AuditEntry.objects.filter(action="export", extra__document="assessments.report").latest("id")
    assert line.extra["count"] == 2 and sorted(line.extra["numbers"]) == sorted(d.number for d in result.issued)
    # Outside the jurisdiction: refused, nothing issued.
    with pytest.raises(Exception) as refused:
        services.render_many("assessments.report", [d.pk for d in done], other)
    assert "管辖范围" in str(refused.value.message)
    assert IssuedDocument.objects.count() == 2


def test_print_selection_answers_one_pdf_or_a_job_for_a_large_selection(
        new_person, workflow, jiangcheng, monkeypatch, django_capture_on_commit_callbacks):
    from yanglao.assessments.models import Assessment
    from yanglao.documents.models import DocumentJob

    done = [workflow(new_person(name=name)) for name in ("黄秀英", "林国强")]
    download = services.print_selection("assessments.report")
    response = download(jiangcheng, Assessment.objects.filter(pk__in=[a.pk for a in done]), "")
    assert response["Content-Type"] == "application/pdf"
    assert all(d.number in pdf_text(response.content) for d in IssuedDocument.objects.all())
    monkeypatch.setattr(services, "MANY_IN_JOB", 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = download(jiangcheng, Assessment.objects.filter(pk__in=[a.pk for a in done]), "")
    job = DocumentJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/documents/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == "done" and job.total == 2 and IssuedDocument.objects.filter(job=job).count() == 2
    # Old files are purged; the numbers keep verifying.
    from pathlib import Path

    from django.core.management import call_command

    DocumentJob.objects.filter(pk=job.pk).update(finished_at=job.finished_at - dt.timedelta(days=8))
    call_command("purge_document_files", "--older-than", "7")
    job.refresh_from_db()
    assert job.file_path == "" and "已按期清理" in job.message and not list(Path(services.jobs_dir()).glob(f"job-{job.pk}-*"))
    assert IssuedDocument.objects.filter(job=job).count() == 2


def test_the_county_prints_the_selected_approved_assessments_as_one_pdf_from_the_list(new_person, workflow, jiangcheng):
    done = [workflow(new_person(name=name)) for name in ("黄秀英", "林国强")]
    pending = workflow(new_person(name="陈少芬"), until="submitted")
    client = page_client(jiangcheng)
    ids = [str(a.pk) for a in (*done, pending)]
    confirm = client.post("/bulk/assessments.list/", {"action": "print", "scope": "ids", "ids": ids})
    assert confirm.status_code == 200 and "打印所选评估报告" in confirm.content.decode()
    response = client.post("/bulk/assessments.list/", {"action": "print", "scope": "ids", "ids": ids, "confirmed": "1"})
    assert response["Content-Type"] == "application/pdf"
    text = "".join(pdf_text(response.content).split())
    assert "黄秀英" in text and "林国强" in text and "陈少芬" not in text
    assert text.count("老年人或监护人（签字）") == 2 and text.count("（评估机构盖章）") == 2
    assert sorted(IssuedDocument.objects.values_list("object_id", flat=True)) == sorted(str(a.pk) for a in done)
