"""Fixtures for the document tests: the assessment fixtures, and PDF text through poppler's pdftotext."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.assessments.conftest import assessor1, assessor2, person, workflow  # noqa: F401 - fixtures
from tests.benefits.conftest import age_allowance, city_checker, older, run_month  # noqa: F401 - fixtures
from tests.people.conftest import new_person  # noqa: F401 - fixture


def pdf_text(content: bytes) -> str:
    """The text of a PDF as pdftotext (poppler-utils) reads it, layout kept."""
    assert content[:5] == b"%PDF-", content[:100]
    keep = os.environ.get("YL_DOC_DIR")  # to look at the layout: pdftoppm -png -r 60 the saved files
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        (Path(keep) / f"doc-{len(list(Path(keep).glob('*.pdf'))):03d}.pdf").write_bytes(content)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(content)
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                              text=True).stdout


def pdf_pages(content: bytes) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(content)
        info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture
def text_of():
    return pdf_text


@pytest.fixture(autouse=True)
def _job_files_in_tmp(settings, tmp_path):
    """Job PDFs go to the test's own directory, never the project's var/."""
    settings.VAR_DIR = tmp_path
