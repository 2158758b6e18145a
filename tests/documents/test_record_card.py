"""The person's record card (档案卡): masked numbers for everyone; full numbers only for a role allowed to
reveal, with a reason, audited exactly like the registry's reveal action; scoped to the jurisdiction."""

from __future__ import annotations

import pytest

from tests.documents.conftest import pdf_text
from yanglao.core import crypto
from yanglao.core.models import AuditEntry
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client
from yanglao.documents.models import IssuedDocument

pytestmark = pytest.mark.django_db


def test_the_card_prints_masked_numbers_by_default(person, jiangcheng):
    response = page_client(jiangcheng).post(f"/documents/print/people.card/{person.pk}/")
    assert response.status_code == 200
    text = pdf_text(response.content)
    full_id = crypto.decrypt(person.id_number_enc)
    assert person.id_number_masked in text and full_id not in text
    assert person.phone_masked in text and crypto.decrypt(person.phone_enc) not in text
    doc = IssuedDocument.objects.get(kind="people.card")
    assert doc.number in text and not doc.revealed
    assert not AuditEntry.objects.filter(action="reveal", object_id=str(person.pk)).exists()
    assert AuditEntry.objects.filter(action="export", object_id=str(person.pk), extra__masked=True).exists()


def test_a_role_allowed_to_reveal_prints_full_numbers_with_a_reason_and_it_is_audited_as_a_reveal(person, jiangcheng):
    client = page_client(jiangcheng)
    refused = client.post(f"/documents/print/people.card/{person.pk}/", {"reveal": "1", "reason": ""}, follow=True)
    assert "事由" in refused.content.decode() and not IssuedDocument.objects.exists()
    response = client.post(f"/documents/print/people.card/{person.pk}/", {"reveal": "1", "reason": "办理入住核实身份"})
    text = pdf_text(response.content)
    assert crypto.decrypt(person.id_number_enc) in text and crypto.decrypt(person.phone_enc) in text
    doc = IssuedDocument.objects.get(kind="people.card")
    assert doc.revealed
    line = AuditEntry.objects.get(action="reveal", object_id=str(person.pk))
    assert line.extra["reason"] == "办理入住核实身份" and f"document:{doc.number}" in line.extra["fields"]
    assert line.actor_username == jiangcheng.username


def test_a_role_without_reveal_cannot_print_full_numbers(person, divisions):
    assessor = make_user(Role.ASSESSOR, "441702", username="pinggu")
    operator_like = make_user(Role.INSPECTOR, "441702", username="jiancha")
    for user in (assessor, operator_like):
        response = page_client(user).post(f"/documents/print/people.card/{person.pk}/",
                                          {"reveal": "1", "reason": "好奇"})
        assert response.status_code in (302, 403, 404)
    assert not IssuedDocument.objects.exists()
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_the_card_and_the_print_log_follow_the_jurisdiction(person, jiangcheng):
    other = make_user(Role.COUNTY_STAFF, "441704", username="yangdong")
    assert page_client(other).post(f"/documents/print/people.card/{person.pk}/").status_code == 404
    page_client(jiangcheng).post(f"/documents/print/people.card/{person.pk}/")
    number = IssuedDocument.objects.get().number
    assert number in page_client(jiangcheng).get("/documents/").content.decode()
    assert number not in page_client(other).get("/documents/").content.decode()
