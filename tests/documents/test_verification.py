"""The public verification page: a genuine number and hash, a tampered hash and an unknown number get the
same shape of answer, and nothing personal."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from yanglao.documents import services

pytestmark = pytest.mark.django_db


def _answer(html: str) -> dict[str, str]:
    block = re.search(r'data-testid="verify-result".*?</div>', html, re.S)
    assert block, html
    text = block.group(0)
    return {"genuine": re.search(r'data-genuine="(\w+)"', text).group(1),
            "fields": re.findall(r"<dt[^>]*>(.*?)</dt>", text)}


def test_genuine_and_tampered_hashes_get_the_same_answer_shape_and_nothing_personal(person, workflow, jiangcheng):
    a = workflow(person)
    doc = services.render_one("assessments.report", a, jiangcheng).issued[0]
    client = Client()
    genuine = client.get(f"/public/documents/verify/{doc.number}?h={doc.content_hash}")
    tampered_hash = ("0" if doc.content_hash[0] != "0" else "1") + doc.content_hash[1:]
    tampered = client.get(f"/public/documents/verify/{doc.number}?h={tampered_hash}")
    unknown = client.get(f"/public/documents/verify/2026-99999999?h={doc.content_hash}")
    typed = client.get("/public/documents/verify/", {"number": doc.number, "h": doc.check_code.upper()})
    assert {r.status_code for r in (genuine, tampered, unknown, typed)} == {200}
    g, t, u, ty = (_answer(r.content.decode()) for r in (genuine, tampered, unknown, typed))
    assert g["genuine"] == "yes" and ty["genuine"] == "yes"
    assert t["genuine"] == "no" and u["genuine"] == "no"
    assert g["fields"] == t["fields"] == u["fields"]  # the same fields, whatever the answer
    page = genuine.content.decode()
    assert "老年人能力评估报告" in page and doc.issued_at.strftime("%Y年") in page
    for personal in (person.name, person.id_number_masked, person.id_number_masked[-4:], jiangcheng.username,
                     "吴志坚"):
        assert personal not in page, personal
    assert "老年人能力评估报告" not in tampered.content.decode()


def test_a_short_or_garbled_code_is_simply_not_genuine(person, workflow, jiangcheng):
    a = workflow(person)
    doc = services.render_one("assessments.report", a, jiangcheng).issued[0]
    client = Client()
    for h in (doc.content_hash[:8], "zz" * 10, ""):
        response = client.get("/public/documents/verify/", {"number": doc.number, "h": h})
        assert response.status_code == 200 and 'data-genuine="yes"' not in response.content.decode()


def test_the_qr_code_points_at_the_verification_page(person, workflow, jiangcheng, settings):
    settings.PUBLIC_URL = "https://yanglao.yangjiang.gov.cn"
    a = workflow(person)
    doc = services.render_one("assessments.report", a, jiangcheng).issued[0]
    assert services.verify_url(doc.number, doc.content_hash) == (
        f"https://yanglao.yangjiang.gov.cn/public/documents/verify/{doc.number}?h={doc.content_hash}")


def test_verification_is_limited_per_address(person, workflow, jiangcheng, monkeypatch):
    from yanglao.documents import views

    a = workflow(person)
    doc = services.render_one("assessments.report", a, jiangcheng).issued[0]
    monkeypatch.setattr(views, "VERIFY_LIMIT", 2)
    client = Client()
    url = f"/public/documents/verify/{doc.number}?h={doc.check_code}"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert "核验过于频繁" in client.get(url).content.decode()
