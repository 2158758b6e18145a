"""Forms refuse nonsense (issue 19 item 13): one module of field rules (core.validators) used by the
services, so the console and the API refuse alike, and by the forms, so the message is on the field."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.institutions.conftest import home  # noqa: F401 - fixture
from yanglao.core import validators
from yanglao.core.errors import ValidationFailed
from yanglao.core.testing import api_client, page_client
from yanglao.institutions import services
from yanglao.institutions.models import Institution

# Real-format codes whose check characters were computed by GB 32100-2015 (and three published codes:
# a Fujian firm, Huawei, Tencent, which prove the weights and the charset are right).
VALID_USCC = ["91350100M000100Y43", "914403001922038216", "9144030071526726XG", "91441702MA4UJ8K1XR",
              "124417004558640210"[:17] + "G", "52441702MJL1234563"]


@pytest.mark.parametrize("code", VALID_USCC)
def test_a_unified_social_credit_code_with_the_right_check_character_is_accepted(code):
    assert validators.validate_uscc(code) == code


def test_a_credit_code_is_normalised_from_lower_case_spaces_and_full_width():
    assert validators.validate_uscc("9144030071526726xg") == "9144030071526726XG"
    assert validators.validate_uscc("９１４４０３００７１５２６７２６ＸＧ") == "9144030071526726XG"
    assert validators.validate_uscc("914403007152 6726XG") == "9144030071526726XG"


@pytest.mark.parametrize(("code", "says"), [
    ("9144030071526726XH", "校验位错误"),        # Tencent's code with a wrong check character
    ("914403001922038217", "校验位错误"),        # Huawei's with one wrong digit at the end
    ("91440300192203821", "应为18位"),
    ("9144030071526726XGG", "应为18位"),
    ("9144030071526726IO", "不允许的字符"),      # I and O are not in the charset
    ("91ABCDEF7152672600", "行政区划代码"),
])
def test_a_wrong_credit_code_is_refused_with_a_chinese_reason(code, says):
    with pytest.raises(ValidationError) as exc:
        validators.validate_uscc(code)
    assert says in exc.value.messages[0]


@pytest.mark.parametrize(("lat", "lon", "ok"), [
    ("21.86", "111.98", True),      # 阳江
    ("3.8", "73.5", True), ("53.6", "135.1", True),
    ("111.98", "21.86", False),     # swapped
    ("3.7", "111", False), ("53.7", "111", False), ("21", "73.4", False), ("21", "135.2", False),
    ("-21.86", "111.98", False),
])
def test_coordinates_must_be_inside_china(lat, lon, ok):
    try:
        validators.validate_latitude(lat)
        validators.validate_longitude(lon)
    except ValidationError as exc:
        assert not ok, exc.messages
        assert "中国境内" in exc.messages[0]
    else:
        assert ok


@pytest.mark.parametrize(("raw", "normal"), [("0662-3345678", "0662-3345678"), ("(0662)3345678", "0662-3345678"),
                                              ("138 0000 1234", "13800001234"), ("020-12345678", "020-12345678")])
def test_phones_mobile_and_landline_with_area_code_are_accepted_and_normalised(raw, normal):
    assert validators.validate_phone(raw) == normal


@pytest.mark.parametrize("raw", ["12345", "1380000123", "0662-123", "电话", "3345678"])
def test_a_phone_that_is_neither_mobile_nor_landline_with_area_code_is_refused(raw):
    with pytest.raises(ValidationError) as exc:
        validators.validate_phone(raw)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.messages[0])


def test_a_date_in_the_future_is_refused_and_today_is_not():
    today = timezone.localdate()
    assert validators.validate_not_future(today, label="评定日期") == today
    with pytest.raises(ValidationError, match="评定日期不能晚于今天"):
        validators.validate_not_future(today + dt.timedelta(days=1), label="评定日期")


def test_check_fields_names_every_wrong_field():
    with pytest.raises(ValidationFailed) as exc:
        validators.check_fields({"latitude": "200", "credit_code": "91440300192203821X", "phone": ""},
                                services.INSTITUTION_RULES, message="机构信息有误")
    assert set(exc.value.details) == {"latitude", "credit_code"}  # an empty phone is not checked
    assert exc.value.message.startswith("机构信息有误：")


INSTITUTION = {"name": "阳江市测试颐养院", "ownership": "public", "division_code": "441702001001", "address": "北门路1号",
               "capacity": 50}


@pytest.mark.django_db
def test_the_service_refuses_bad_coordinates_code_phone_and_a_future_licence(jiangcheng):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        services.institution_create(by=jiangcheng, data=INSTITUTION | {
            "latitude": "111.98", "longitude": "21.86", "credit_code": "9144030071526726XH", "phone": "12345",
            "licence_date": tomorrow})
    assert set(exc.value.details) == {"latitude", "longitude", "credit_code", "phone", "licence_date"}
    assert exc.value.details["licence_date"] == "备案/许可日期不能晚于今天"
    assert not Institution.objects.exists()
    inst = services.institution_create(by=jiangcheng, data=INSTITUTION | {
        "latitude": "21.86", "longitude": "111.98", "credit_code": "9144030071526726xg", "phone": "(0662)3345678"})
    assert (inst.credit_code, inst.phone) == ("9144030071526726XG", "0662-3345678")


@pytest.mark.django_db
def test_the_console_form_shows_each_message_on_its_field(jiangcheng):
    got = page_client(jiangcheng).post("/institutions/new/", INSTITUTION | {
        "latitude": "111.98", "longitude": "21.86", "credit_code": "9144030071526726XH", "phone": "12345",
        "licence_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat()})
    assert got.status_code == 200
    errors = got.context["form"].errors
    assert "中国境内" in errors["latitude"][0] and "中国境内" in errors["longitude"][0]
    assert "校验位错误" in errors["credit_code"][0]
    assert "不能晚于今天" in errors["licence_date"][0]
    assert errors["phone"]
    assert not Institution.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_a_wrong_credit_code_naming_the_field(jiangcheng):
    got = api_client(jiangcheng).post("/api/v1/institutions/", data=json.dumps(
        INSTITUTION | {"credit_code": "914403001922038217"}), content_type="application/json")
    assert got.status_code == 400
    assert "校验位错误" in got.json()["error"]["details"]["credit_code"]


@pytest.mark.django_db
def test_a_star_rating_dated_in_the_future_is_refused_in_the_api_and_the_console(jiangcheng, home):  # noqa: F811
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    sheet = {"environment": 90, "facilities": 100, "operations": 120, "service": 450, "rated_on": tomorrow}
    got = api_client(jiangcheng).post(f"/api/v1/institutions/{home.pk}/stars/", data=json.dumps(sheet),
                                      content_type="application/json")
    assert got.status_code == 400 and got.json()["error"]["details"]["rated_on"] == "评定日期不能晚于今天"
    page = page_client(jiangcheng).post(f"/institutions/{home.pk}/stars/", sheet, follow=True).content.decode()
    assert "评定日期不能晚于今天" in page
    assert not home.ratings.exists()


@pytest.mark.django_db
def test_a_category_starting_in_the_future_is_refused_on_the_record_page(jiangcheng, new_person):
    person = new_person()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    page = page_client(jiangcheng).post(f"/people/{person.pk}/categories/", {
        "category": "dibao", "valid_from": tomorrow, "document_no": "阳民〔2026〕1号"}, follow=True).content.decode()
    assert "不能晚于今天" in page
    assert not person.categories.filter(category="dibao").exists()
