"""The historical-results import answers a malicious or oversized file with a 400 and the reason
(issue 18 items 6, 7), and the server is still there to answer the next request."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tests.core.sheets import sparse_xlsx
from yanglao.assessments import importing
from yanglao.assessments.models import Assessment
from yanglao.core.errors import ValidationFailed
from yanglao.core.testing import page_client

pytestmark = pytest.mark.django_db


def test_the_sparse_sheet_is_refused_with_a_400_and_the_page_still_serves(jiangcheng):
    client = page_client(jiangcheng)
    got = client.post("/assessments/import/", {"file": SimpleUploadedFile("mzt.xlsx", sparse_xlsx(importing.HEADERS))})
    assert got.status_code == 400
    assert "表格声明的范围过大（1048576 行 × 16384 列），超过上限" in got.content.decode()
    assert client.get("/assessments/import/").status_code == 200
    assert not Assessment.objects.exists()


@override_settings(UPLOAD_LIMITS={"assessments": (1, 3)})
def test_an_assessment_file_over_the_size_or_row_limit_is_refused_saying_the_limit(jiangcheng):
    header = "身份证号码,姓名,评估日期,等级\n"
    with pytest.raises(ValidationFailed, match="每个文件 1 MB 的上限"):
        importing.import_mzt(by=jiangcheng, filename="big.csv", content=(header + "x,y,z,1\n" * 200_000).encode())
    with pytest.raises(ValidationFailed, match="超过每次最多 3 行的上限"):
        importing.import_mzt(by=jiangcheng, filename="long.csv", content=(header + "x,y,z,1\n" * 5).encode())
