"""The printed report: a PDF that opens and reads correctly in Chinese, with embedded CJK fonts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from yanglao.assessments import report
from yanglao.core.errors import Conflict
from yanglao.core.models import AuditAction, AuditEntry
from yanglao.core.testing import page_client

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_report_pdf_reads_correctly_in_chinese(workflow, person, jiangcheng, tmp_path):
    a = workflow(person, total=20, diagnoses=["F01.1"])
    response = page_client(jiangcheng).get(f"/assessments/{a.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Noto-Sans-CJK-SC" in fonts or "NotoSansCJK" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # every font embedded
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    compact = "".join(text.split())
    for expected in ("老年人能力评估报告", person.name, "能力完全丧失", "进食", "社会交往能力", "自理能力小计",
                     "吴志坚", "郑美玲", "林秀珍" if jiangcheng.real_name else "jiangcheng", "诊断为痴呆",
                     person.id_number_masked):
        assert expected in compact, expected
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "assessment-report.pdf").write_bytes(content)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path),
                        str(ARTIFACTS / "assessment-report")], check=True)


def test_report_is_refused_before_approval(workflow, person):
    a = workflow(person, until="submitted")
    with pytest.raises(Conflict):
        report.render_pdf(a)


def test_report_view_is_audited(workflow, person, jiangcheng):
    a = workflow(person)
    page_client(jiangcheng).get(f"/assessments/{a.pk}/report.pdf")
    assert AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE, object_id=str(a.pk),
                                     extra__fields=["report_pdf"]).exists()
