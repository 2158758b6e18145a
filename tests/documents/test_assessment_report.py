"""The assessment report as a numbered, verifiable document: signature lines for both assessors, the
older person or guardian and the reviewer, a seal box, a number and a QR code to the verification page."""

from __future__ import annotations

import re

import pytest

from tests.documents.conftest import pdf_text
from yanglao.core.models import AuditEntry
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client
from yanglao.documents.models import IssuedDocument

pytestmark = pytest.mark.django_db


def test_the_printed_report_has_signature_lines_a_seal_box_and_a_verifiable_number(person, workflow, jiangcheng):
    a = workflow(person)
    response = page_client(jiangcheng).post(f"/documents/print/assessments.report/{a.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    doc = IssuedDocument.objects.get(kind="assessments.report", object_id=str(a.pk))
    assert doc.number in text and doc.check_code in text
    assert re.fullmatch(r"\d{4}-\d{8}", doc.number)
    for line in ("评估员 吴志坚（签字）", "评估员 郑美玲（签字）", "老年人或监护人（签字）", "审核人", "（评估机构盖章）"):
        assert line.replace(" ", "") in text.replace(" ", ""), line
    assert person.id_number_masked in text and "陈秀英" in text
    assert doc.issued_by == jiangcheng and doc.division_code == a.division_code
    line = AuditEntry.objects.filter(action="export", object_id=str(a.pk)).latest("id")
    assert line.extra["numbers"] == [doc.number] and line.extra["document"] == "assessments.report"


def test_a_report_not_yet_approved_is_refused_with_the_reason(person, workflow, jiangcheng):
    a = workflow(person, until="submitted")
    client = page_client(jiangcheng)
    response = client.post(f"/documents/print/assessments.report/{a.pk}/", {"next": f"/assessments/{a.pk}/"},
                           follow=True)
    assert "评估尚未审核通过" in response.content.decode()
    assert not IssuedDocument.objects.exists()


def test_another_county_cannot_print_it_and_a_get_issues_nothing(person, workflow):
    a = workflow(person)
    other = make_user(Role.COUNTY_STAFF, "441704", username="yangdong")
    assert page_client(other).post(f"/documents/print/assessments.report/{a.pk}/").status_code == 404
    assert page_client(other).get(f"/documents/print/assessments.report/{a.pk}/").status_code == 405
    assert not IssuedDocument.objects.exists()
