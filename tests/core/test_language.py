"""No English inside Chinese pages (issue 19 item 11): the console speaks zh-hans whatever the browser
sends; only the explicit switch (stored in the language cookie) changes it, and it is on the sign-in page
too; password rules, spreadsheet errors and assessment field names are Chinese."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from yanglao.core.tabular import TableError, read_table
from yanglao.core.testing import page_client

pytestmark = pytest.mark.django_db


def test_a_browser_asking_for_english_still_gets_the_chinese_sign_in_page():
    page = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/login/")
    html = page.content.decode()
    assert page.status_code == 200 and page["Content-Language"] == "zh-hans"
    assert "民政部门及养老服务机构工作人员登录" in html and 'lang="zh-CN"' in html


def test_a_signed_in_page_with_accept_language_english_is_chinese(jiangcheng):
    client = page_client(jiangcheng)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"
    html = client.get("/").content.decode()
    assert "修改密码" in html and "Change password" not in html


def test_the_language_switch_is_on_the_sign_in_page_and_switches_to_english():
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    html = client.get("/login/").content.decode()
    assert 'data-testid="language-switch"' in html and 'value="en"' in html
    got = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert got.status_code == 302 and client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/login/")
    assert page["Content-Language"] == "en" and 'lang="en"' in page.content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    assert client.get("/login/")["Content-Language"] == "zh-hans"


def test_an_unknown_language_cookie_falls_back_to_chinese():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert client.get("/login/")["Content-Language"] == "zh-hans"


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text) and not any(w in text for w in ("password", "Password"))


def test_password_rules_speak_chinese(jiangcheng):
    with pytest.raises(ValidationError) as exc:
        validate_password("abc", jiangcheng)
    assert exc.value.messages and all(_is_chinese(m) for m in exc.value.messages), exc.value.messages
    assert all(_is_chinese(t) for t in password_validators_help_texts())


def test_a_too_short_password_on_the_change_page_is_refused_in_chinese(jiangcheng, password):
    client = page_client(jiangcheng)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.post("/account/password/", {"old_password": password, "new_password": "Ab1!",
                                      "new_password2": "Ab1!"}).content.decode()
    assert "密码太短" in html and "too short" not in html


def test_a_file_that_is_not_a_spreadsheet_is_refused_in_chinese():
    with pytest.raises(TableError) as exc:
        read_table(b"PK\x03\x04 not really a workbook", filename="名册.xlsx", expected_headers=["姓名"])
    message = str(exc.value)
    assert "Cannot" not in message and "无法读取" in message


def test_assessment_errors_name_fields_by_their_chinese_labels():
    from yanglao.assessments.views import labelled_errors

    got = labelled_errors({"diagnoses": "无效的 ICD-10 编码：X", "B1.3": "缺少此项评分", "risk_events_30d": "未知"})
    assert set(got) == {"疾病诊断（ICD-10）", "B1.3 洗澡", "近30天照护风险事件"}


def test_django_and_drf_default_messages_are_chinese_for_an_english_browser(jiangcheng):
    import json

    from yanglao.core.testing import api_client

    client = page_client(jiangcheng)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"
    got = client.post("/institutions/new/", {"name": "测试", "ownership": "public", "capacity": "abc"})
    errors = got.context["form"].errors
    assert "capacity" in errors and all(_is_chinese(m) for m in errors["capacity"]), errors["capacity"]
    api = api_client(jiangcheng)
    body = api.post("/api/v1/institutions/", data=json.dumps({"name": "测试"}), content_type="application/json",
                    HTTP_ACCEPT_LANGUAGE="en-US").json()
    assert all(_is_chinese(str(m)) for m in body["error"]["details"].values()), body
