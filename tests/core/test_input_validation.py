"""Input that used to answer 500 answers 400 in the one error shape (issue 18, item 15): NUL characters,
out-of-range and non-numeric filters, over-long text on update, JSON bodies that are not objects, rule
lists of the wrong type. Each request below is one the server log showed failing."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.conftest import make_id
from yanglao.core.errors import ValidationFailed
from yanglao.core.testing import api_client, page_client


def assert_error_shape(response, status=400):
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    assert body["error"]["message"]  # a Chinese message, not a traceback
    return body["error"]


@pytest.fixture
def programme(city_admin):
    from yanglao.benefits import services

    return services.programme_create(by=city_admin, code="gaoling", name="高龄津贴", kind="allowance",
                                     legal_basis="阳民〔2025〕1号")


@pytest.fixture
def person(new_person):
    return new_person()


# --- (a) one place for query parameters -----------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/api/v1/people/?q=%00",
    "/api/v1/people/?division=4417%00",
    "/api/v1/institutions/?division=%00",
    "/api/v1/assessments/?q=a%00b",
    "/api/v1/divisions/?parent=%00",
    "/api/v1/people/?x%00=1",
])
def test_a_nul_in_a_query_parameter_is_a_400_in_the_error_shape(city_admin, url):
    error = assert_error_shape(api_client(city_admin).get(url))
    assert error["code"] == "invalid_characters"


@pytest.mark.parametrize("url", ["/people/?q=%00", "/institutions/?q=%00", "/benefits/reports/?programme=%00"])
def test_a_nul_in_a_console_query_parameter_is_a_chinese_400_page(city_admin, url):
    response = page_client(city_admin).get(url)
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_a_nul_in_a_console_form_field_is_a_400_page(city_admin, person):
    response = page_client(city_admin).post(f"/people/{person.pk}/reveal/", {"reason": "核实\x00身份"})
    assert response.status_code == 400


def test_a_nul_in_a_json_body_is_a_400(city_admin, person):
    response = api_client(city_admin).patch(f"/api/v1/people/{person.pk}/", data=json.dumps({"address": "北门\u0000路"}),
                                            content_type="application/json")
    assert_error_shape(response)
    person.refresh_from_db()
    assert person.address == "北门路1号"


@pytest.mark.parametrize("query", ["age_min=3000", "age_max=3000", "age_min=-1", "age_min=abc", "age_min=%C2%B2",
                                   "age_min=99999999999999999999999"])
def test_an_age_filter_out_of_range_or_not_a_number_is_a_400(city_admin, query):
    error = assert_error_shape(api_client(city_admin).get(f"/api/v1/people/?{query}"))
    assert error["code"] == "invalid_parameter" and "age_" in json.dumps(error["details"])


def test_an_age_filter_in_range_still_filters(city_admin, new_person):
    new_person()  # born 1950: 76
    client = api_client(city_admin)
    assert client.get("/api/v1/people/?age_min=70&age_max=80").json()["count"] == 1
    assert client.get("/api/v1/people/?age_min=80").json()["count"] == 0


@pytest.mark.parametrize("url", [
    "/api/v1/benefits/runs/?programme=abc",
    "/api/v1/benefits/runs/?programme=%C2%B2",
    "/api/v1/benefits/lines/?programme=1e5",
    "/api/v1/benefits/lines/?run=99999999999999999999999",
    "/api/v1/benefits/lines/?month=9999-99",
    "/api/v1/benefits/bank-accounts/?person=x",
    "/api/v1/admissions/applications/?institution=abc",
    "/api/v1/admissions/applications/?status=nonsense",
    "/api/v1/assessments/?person=abc",
    "/api/v1/assessments/care-level/?person=abc",
    "/api/v1/people/?category=nonsense",
])
def test_a_non_numeric_id_or_impossible_value_in_a_filter_is_a_400(city_admin, url):
    assert_error_shape(api_client(city_admin).get(url))


def test_an_impossible_date_in_a_filter_is_a_400(city_admin, person):
    error = assert_error_shape(api_client(city_admin).get(f"/api/v1/assessments/care-level/?person={person.pk}&on=2026-02-30"))
    assert "on" in error["details"]


def test_a_non_numeric_programme_id_on_the_console_report_is_a_400_page(city_admin, programme):
    client = page_client(city_admin)
    assert client.get("/benefits/reports/?programme=abc").status_code == 400
    assert client.get(f"/benefits/reports/?programme={programme.pk}").status_code == 200


def test_a_non_numeric_keyset_cursor_on_the_people_list_is_a_400_page(city_admin):
    assert page_client(city_admin).get("/people/?after=%C2%B2").status_code == 400


def test_a_non_numeric_record_id_in_an_api_path_is_a_404_in_the_error_shape(city_admin):
    assert_error_shape(api_client(city_admin).get("/api/v1/people/abc/"), status=404)
    assert_error_shape(api_client(city_admin).get("/api/v1/assessments/null,null/report.pdf"), status=404)


# --- (b) text no longer than its column -------------------------------------------------------------

@pytest.mark.parametrize("field,value", [
    ("address", "北" * 201),
    ("consent_by", "张" * 33),
    ("consent_document", "X" * 65),
    ("hukou_division_code", "4" * 13),
    ("name", "王" * 40),
])
def test_over_long_text_on_update_is_a_400_naming_the_field(city_admin, person, field, value):
    response = api_client(city_admin).patch(f"/api/v1/people/{person.pk}/", data={field: value},
                                            content_type="application/json")
    error = assert_error_shape(response)
    assert field in error["details"]


def test_over_long_contact_name_on_create_is_a_400(city_admin, divisions):
    response = api_client(city_admin).post("/api/v1/people/", data={
        "id_number": make_id(seq="901"), "name": "陈秀英", "division_code": "441702001001", "living_situation": "alone",
        "contacts": [{"name": "李" * 40, "phone": "13800000000"}],
    }, content_type="application/json")
    assert_error_shape(response)


def test_over_long_programme_code_and_notes_are_a_400(city_admin, person, programme):
    client = api_client(city_admin)
    assert_error_shape(client.post("/api/v1/benefits/programmes/", data={
        "code": "a" * 41, "name": "x", "kind": "allowance", "legal_basis": "x"}, content_type="application/json"))
    assert_error_shape(client.post("/api/v1/admissions/applications/", data={
        "person": person.pk, "institution": 1, "notes": "备" * 201}, content_type="application/json"))


def test_every_save_refuses_text_longer_than_its_column_before_the_database_does(person):
    """The model-level guard behind every form, serializer and service (PostgreSQL would raise DataError)."""
    person.consent_by = "张" * 33
    with pytest.raises(ValidationFailed) as caught:
        person.save()
    assert "consent_by" in caught.value.details


# --- (c) a JSON body is an object -------------------------------------------------------------------

@pytest.mark.parametrize("body", ["[]", "[1, 2]", '"text"', "42", "null"])
def test_a_json_body_that_is_not_an_object_is_a_400(city_admin, person, body):
    client = api_client(city_admin)
    for url in (f"/api/v1/people/{person.pk}/reveal/", "/api/v1/people/", f"/api/v1/people/{person.pk}/"):
        method = client.patch if url.endswith(f"{person.pk}/") else client.post
        error = assert_error_shape(method(url, data=body, content_type="application/json"))
        assert error["code"] == "malformed_request"


# --- (d) structured JSON fields by type and shape ---------------------------------------------------

@pytest.mark.parametrize("value", [{"tekun": 1}, 5, "tekun", [{"x": 1}], [["tekun"]], ["nonsense"]])
def test_rule_lists_of_the_wrong_type_or_shape_are_a_400(city_admin, programme, value):
    response = api_client(city_admin).post(f"/api/v1/benefits/programmes/{programme.pk}/rules/", data={
        "valid_from": "2025-01-01", "min_age": 80, "required_categories": value}, content_type="application/json")
    error = assert_error_shape(response)
    assert "required_categories" in error["details"]
    assert not programme.rules.exists()


def test_the_rule_service_refuses_wrong_types_from_any_caller(city_admin, programme):
    from yanglao.benefits import services

    for bad in ({"excluded_categories": {"a": 1}}, {"excluded_living_situations": 3},
                {"required_categories": [["tekun"]]}):
        with pytest.raises(ValidationFailed):
            services.rule_add(by=city_admin, programme=programme, valid_from=dt.date(2025, 1, 1), **bad)


def test_a_band_with_wrong_types_is_a_400(city_admin, programme):
    response = api_client(city_admin).post(f"/api/v1/benefits/programmes/{programme.pk}/bands/", data={
        "valid_from": "2025-01-01", "key_min": {"a": 1}, "amount": [1], "document_no": "x"},
        content_type="application/json")
    assert_error_shape(response)


# --- the schema declares the errors --------------------------------------------------------------

def test_every_operation_in_the_schema_declares_the_error_shape(client, db):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    assert "Error" in schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "patch", "put", "delete"}:
                assert {"400", "401", "403", "404"} <= set(operation["responses"]), (method, path)


def test_console_forms_refuse_text_longer_than_the_column_with_a_form_error(city_admin, person):
    """The console's plain forms carry their columns' lengths (core.formsizes): an over-long consent
    field on the edit page is a form error on the page, not a 500, and nothing is saved."""
    from yanglao.people.views import ContactForm, PersonEditForm

    assert PersonEditForm.base_fields["consent_by"].max_length == 32
    assert ContactForm.base_fields["name"].max_length == 32
    response = page_client(city_admin).post(f"/people/{person.pk}/edit/", {
        "name": person.name, "division_code": person.division_code, "address": "北" * 300,
        "living_situation": person.living_situation, "status": "active", "consent_by": "张" * 40})
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.address == "北门路1号" and person.consent_by == ""


@pytest.mark.parametrize("url", ["/api/v1/assessments/care-level.json", "/api/v1/institutions/1/beds.json",
                                 "/api/v1/benefits/runs/1/lines.json", "/api/v1/people.json"])
def test_a_format_suffix_is_no_route_rather_than_a_server_error(city_admin, url):
    assert_error_shape(api_client(city_admin).get(url), status=404)


@pytest.mark.parametrize("value", ["%C2%B2", "abc", "9" * 30])
def test_a_request_page_with_a_person_that_is_not_an_id_says_so_instead_of_failing(jiangcheng, value):
    response = page_client(jiangcheng).get(f"/assessments/new/?person={value}")
    assert response.status_code == 200
    assert "不存在或不在您的管辖范围内" in response.content.decode()
