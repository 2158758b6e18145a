"""The audit and login logs answer for every kind of line, and errors answer in Chinese inside the
layout (issue 18 item 15 / issue 19 item 1)."""

import pytest

from yanglao.core.audit import record
from yanglao.core.models import AuditEntry, LoginEvent
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client

pytestmark = pytest.mark.django_db


def test_the_audit_log_shows_lines_whose_changes_hold_dicts_and_lists(auditor):
    record("update", object_type="core.organisation", object_id=1, division_code="441702001001",
           changes={"items": [{"b1": 10}, {"b1": 5, "b2": 0}], "diagnoses": [None, ["高血压", "糖尿病"]]},
           extra={"params": {"prefix": "4417"}, "count": 3})
    got = page_client(auditor).get("/audit/")
    assert got.status_code == 200
    import re

    body = re.sub(r"<[^>]+>", "", got.content.decode())
    assert "b1: 5；b2: 0" in body and "高血压、糖尿病" in body and "{&#x27;" not in body and "区划前缀: 4417" in body
    assert '<span class="mono">b1</span>' in got.content.decode()  # a key with no office name is a code
    assert page_client(auditor).get("/audit/", {"object_type": "assessments.assessment"}).status_code == 200


@pytest.mark.parametrize("division", ["4417", "441702"])
def test_the_login_log_answers_for_city_and_county_auditors(divisions, division):
    who = make_user(Role.AUDITOR, division, username=f"auditor-{division}")
    staff = make_user(Role.COUNTY_STAFF, "441702", username="js")
    LoginEvent.objects.create(username=staff.username, user=staff, success=False, reason="bad_password", channel="web")
    got = page_client(who).get("/audit/logins/")
    assert got.status_code == 200 and "js" in got.content.decode()


def test_the_birth_date_never_shows_in_history_even_on_lines_written_before_it_was_sensitive(jiangcheng, new_person):
    person = new_person()
    record("update", object_type="people.person", object_id=person.pk, division_code=person.division_code,
           changes={"birth_date": ["1950-01-01", "1950-01-02"]})
    body = page_client(jiangcheng).get(f"/people/{person.pk}/").content.decode()
    assert "1950-01-0" not in body
    assert AuditEntry.objects.filter(object_type="people.person", changes__has_key="birth_date").exists()


def test_a_refused_console_action_answers_in_chinese_inside_the_layout(jiangcheng, new_person):
    from django.test import override_settings

    new_person(phone="13812345678")
    with override_settings(IDENTIFIER_SEARCH_PER_HOUR=0):
        got = page_client(jiangcheng).get("/people/", {"q": "13812345678"})
    body = got.content.decode()
    assert got.status_code == 429 and "过于频繁" in body and 'data-testid="error-page"' in body and "返回工作台" in body


def test_a_server_error_page_is_chinese_with_a_way_back(rf):
    from yanglao.config.urls import handler500

    got = handler500(rf.get("/people/"))
    body = got.content.decode()
    assert got.status_code == 500 and "系统处理您的请求时出错" in body and "返回工作台" in body and "Server Error" not in body


def test_the_record_history_shows_changes_in_chinese_with_views_one_click_away(jiangcheng, new_person):
    from yanglao.people import services

    person = new_person()
    services.person_update(by=jiangcheng, person=person, data={"living_situation": "empty_nest"})
    client = page_client(jiangcheng)
    for _ in range(3):
        client.get(f"/people/{person.pk}/")
    body = client.get(f"/people/{person.pk}/").content.decode()
    table = body.split('data-testid="history"')[1].split("</table>")[0]
    assert "居住状况：独居 → <strong>空巢</strong>" in table and "老年人" in table
    assert "查看敏感信息" not in table and "people.person" not in table and "empty_nest" not in table
    import re

    shown = int(re.search(r"含查看记录（(\d+) 条）", body).group(1))
    assert shown >= 4  # each opening is logged (this one included), just not listed by default
    with_views = client.get(f"/people/{person.pk}/", {"views": "1"}).content.decode()
    assert "查看敏感信息" in with_views.split('data-testid="history"')[1].split("</table>")[0]
