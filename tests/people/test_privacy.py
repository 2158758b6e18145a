"""Masking designed as a whole (issue 18, items 1–4): what a role sees without a reveal cannot rebuild an
ID number or a phone; searches by a full identifier are audited as digests, limited and flagged; the
audit log never holds an identifier; reveals need a reason; unmasked exports need their own capability,
a reason, and a second signature above the cap."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.test import override_settings
from openpyxl import load_workbook

from yanglao.core.idnumber import check_digit
from yanglao.core.models import AuditEntry
from yanglao.core.roles import Role
from yanglao.core.testing import api_client, make_user, page_client
from yanglao.people.models import UnmaskedExportRequest

from .conftest import make_id

pytestmark = pytest.mark.django_db


def _everything_seen(user, person) -> str:
    """Every response the role can call about people without a reveal, joined."""
    api, page = api_client(user), page_client(user)
    parts = [
        api.get("/api/v1/people/").content.decode(),
        api.get(f"/api/v1/people/{person.pk}/").content.decode(),
        api.get("/api/v1/people/", {"q": person.name}).content.decode(),
        page.get("/people/").content.decode(),
        page.get(f"/people/{person.pk}/").content.decode(),
        page.get(f"/people/{person.pk}/edit/").content.decode(),
        page.get("/people/duplicates/").content.decode(),
        b"".join(page.get("/people/export/", {"format": "csv"}).streaming_content).decode("utf-8-sig"),
    ]
    book = load_workbook(io.BytesIO(b"".join(page.get("/people/export/", {"format": "xlsx"}).streaming_content)))
    parts += [" ".join(str(c) for c in row if c is not None) for row in book.active.iter_rows(values_only=True)]
    return "\n".join(parts)


def _dates_in(text: str) -> set[dt.date]:
    """Every date in `text`, in every form Chinese offices write them."""
    dates = set()
    for y, m, d in re.findall(r"(19\d\d|20\d\d)[-/年.]?(\d{1,2})[-/月.]?(\d{1,2})", text):
        try:
            dates.add(dt.date(int(y), int(m), int(d)))
        except ValueError:
            continue
    return dates


def _candidates(masked: str, age: int, today: dt.date) -> list[str]:
    """The ID numbers consistent with the masked number and the age shown: what an attacker must try."""
    prefix, suffix = masked[:6], masked[-4:]
    start = dt.date(today.year - age - 1, today.month, today.day) + dt.timedelta(days=1)
    dates = {start + dt.timedelta(days=i) for i in range(366)}
    out = []
    for born in dates:
        first17 = f"{prefix}{born:%Y%m%d}{suffix[:3]}"
        if check_digit(first17) == suffix[3]:
            out.append(first17 + suffix[3])
    return out


def test_a_county_user_cannot_rebuild_an_id_number_from_anything_it_sees_without_a_reveal(jiangcheng, new_person):
    person = new_person(name="陈秀英", id_number=make_id(birth="19500607", seq="101"))
    full = make_id(birth="19500607", seq="101")
    seen = _everything_seen(jiangcheng, person)
    assert person.id_number_masked in seen  # the masked number is shown...
    assert full not in seen and "19500607" not in seen  # ...but never the number or its birth digits
    for form in ("1950-06-07", "1950年6月7日", "1950/06/07", "1950.06.07"):
        assert form not in seen
    assert dt.date(1950, 6, 7) not in _dates_in(seen)
    candidates = _candidates(person.id_number_masked, person.age, dt.date.today())
    assert full in candidates and len(candidates) >= 10, candidates  # ~33 numbers fit: the number is not rebuilt
    assert AuditEntry.objects.filter(action="reveal").count() == 0


def test_a_masked_phone_shows_only_its_prefix_and_last_two_digits(jiangcheng, new_person):
    person = new_person(phone="13812345678")
    seen = _everything_seen(jiangcheng, person)
    assert "138******78" in seen and "13812345678" not in seen and "5678" not in seen.replace("********", "")


def test_a_search_by_full_phone_is_audited_as_a_digest_never_the_number(jiangcheng, new_person):
    new_person(phone="13812345678")
    got = api_client(jiangcheng).get("/api/v1/people/", {"q": "13812345678"})
    assert got.status_code == 200 and len(got.json()["results"]) == 1
    line = AuditEntry.objects.get(object_type="core.identifier_search")
    assert line.extra["kind"] == "电话" and len(line.extra["term_digest"]) == 12
    assert "13812345678" not in json.dumps(list(AuditEntry.objects.values("extra", "changes", "object_repr")),
                                           ensure_ascii=False)


@override_settings(IDENTIFIER_SEARCH_PER_HOUR=5, IDENTIFIER_SEARCH_FLAG_PER_DAY=3)
def test_searches_by_full_identifier_are_limited_per_account_and_flagged_to_the_auditor(jiangcheng, new_person):
    new_person(phone="13812345678")
    api = api_client(jiangcheng)
    codes = [api.get("/api/v1/people/", {"q": f"138123456{i:02d}"}).status_code for i in range(7)]
    assert codes == [200] * 5 + [429] * 2
    refused = api.get("/api/v1/people/", {"q": make_id()})
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    events = AuditEntry.objects.filter(action="security", object_type="core.identifier_search")
    assert events.filter(extra__event="identifier_search_many").count() == 1  # flagged once, at the 3rd
    assert events.filter(extra__event="identifier_search_limited").count() == 3
    # a name search is not an identifier search: still answered
    assert api.get("/api/v1/people/", {"q": "陈"}).status_code == 200
    # the console says so in Chinese instead of failing
    page = page_client(jiangcheng).get("/people/", {"q": "13812345678"}, follow=True)
    assert page.status_code in (200, 429) and "过于频繁" in page.content.decode()


def test_audit_lines_never_hold_a_full_identifier_even_in_export_filters(jiangcheng, new_person):
    person = new_person(phone="13812345678")
    full = make_id(seq="101")
    page = page_client(jiangcheng)
    b"".join(page.get("/people/export/", {"format": "csv", "q": full}).streaming_content)
    b"".join(page.get("/people/export/", {"format": "csv", "q": "0662-3123456"}).streaming_content)
    from yanglao.core.audit import record

    record("update", object_type="people.person", object_id=person.pk, extra={"note": f"核对 {full} 与 13812345678"})
    dump = json.dumps(list(AuditEntry.objects.values("extra", "changes", "object_repr")), ensure_ascii=False)
    for secret in (full, "13812345678", "3123456"):
        assert secret not in dump
    assert "［身份证号码#" in dump and "［电话#" in dump


def test_a_reveal_without_a_reason_is_refused_and_a_reveal_keeps_its_reason(jiangcheng, new_person):
    person = new_person()
    api = api_client(jiangcheng)
    refused = api.post(f"/api/v1/people/{person.pk}/reveal/", data="{}", content_type="application/json")
    assert refused.status_code == 400 and make_id(seq="101") not in refused.content.decode()
    page = page_client(jiangcheng).post(f"/people/{person.pk}/reveal/", {"reason": " "})
    assert page.status_code == 200 and "事由" in page.content.decode() and make_id(seq="101") not in page.content.decode()
    assert not AuditEntry.objects.filter(action="reveal").exists()
    ok = api.post(f"/api/v1/people/{person.pk}/reveal/", data=json.dumps({"reason": "核实身份，办理高龄津贴"}),
                  content_type="application/json")
    assert ok.status_code == 200 and ok.json()["birth_date"] == "1950-01-01"
    assert AuditEntry.objects.get(action="reveal").extra["reason"] == "核实身份，办理高龄津贴"


def test_a_community_worker_cannot_export_unmasked_lists(new_person, divisions):
    worker = make_user(Role.COMMUNITY_WORKER, "441702001001", username="beimen")
    new_person(by=make_user(Role.COUNTY_STAFF, "441702", username="js"))
    got = page_client(worker).post("/people/export/", {"format": "csv", "reason": "核对名单"})
    assert got.status_code in (302, 403)
    assert not AuditEntry.objects.filter(action="export", extra__masked=False).exists()


@override_settings(UNMASKED_EXPORT_MAX_ROWS=2)
def test_an_unmasked_export_needs_a_reason_and_above_the_cap_a_second_signature(jiangcheng, new_person):
    for _ in range(3):
        new_person()
    page = page_client(jiangcheng)
    assert page.post("/people/export/", {"format": "csv", "division": "441702001001"}).status_code == 302  # no reason
    assert not AuditEntry.objects.filter(action="export").exists()
    small = page.post("/people/export/", {"format": "csv", "q": "陈秀英", "reason": "核对名单",
                                          "age_band": "", "division": ""})
    # three match: above the cap of 2, so it becomes a request instead of a file
    assert small.status_code == 302 and small["Location"].endswith("/people/export/requests/")
    req = UnmaskedExportRequest.objects.get()
    assert req.row_count == 3 and req.state == "pending" and req.reason == "核对名单"
    assert page.post(f"/people/export/requests/{req.pk}/decide/", {"decision": "approve"}).status_code == 302
    req.refresh_from_db()
    assert req.state == "pending"  # one cannot approve one's own request
    second = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng2")
    other_county = make_user(Role.COUNTY_STAFF, "441721", username="yangxi2")
    page_client(other_county).post(f"/people/export/requests/{req.pk}/decide/", {"decision": "approve"})
    req.refresh_from_db()
    assert req.state == "pending"  # nor someone whose jurisdiction does not cover it
    page_client(second).post(f"/people/export/requests/{req.pk}/decide/", {"decision": "approve", "comment": "同意"})
    req.refresh_from_db()
    assert req.state == "approved" and req.decided_by == second
    got = page.post(f"/people/export/requests/{req.pk}/download/")
    body = b"".join(got.streaming_content).decode("utf-8-sig")
    assert make_id(seq="101") in body and "出生日期" in body
    line = AuditEntry.objects.get(action="export", extra__masked=False)
    assert line.extra["reason"] == "核对名单" and line.extra["approved_by"] == "jiangcheng2"
    again = page.post(f"/people/export/requests/{req.pk}/download/")
    assert again.status_code == 302  # once only
