"""Divisions are picked by name: the pick endpoint is scoped, DivisionField accepts names and codes as offices
write them and keeps the form with a field error otherwise, and lists show names instead of codes."""

from __future__ import annotations

import json

import pytest
from django import forms

from yanglao.core.models import DivisionLevel
from yanglao.core.pickers import DivisionField, bind_pickers
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client

pytestmark = pytest.mark.usefixtures("divisions")


def _pick(user, **params):
    got = page_client(user).get("/divisions/pick/", params)
    assert got.status_code == 200
    return json.loads(got.content)


def test_pick_by_parent_gives_the_children_by_name(city_admin):
    counties = _pick(city_admin, parent="4417")
    assert [c["name"] for c in counties] == ["江城区", "阳东区", "阳西县", "阳春市"]
    communities = _pick(city_admin, parent="441702001")
    beimen = next(c for c in communities if c["code"] == "441702001001")
    assert beimen["name"] == "北门社区" and beimen["full_name"] == "北门社区居委会"
    assert beimen["path"] == "江城区 / 南恩街道 / 北门社区"


def test_pick_by_text_finds_beimen_among_names(jiangcheng):
    found = _pick(jiangcheng, q="北门")
    assert [c["code"] for c in found] == ["441702001001"]
    assert _pick(jiangcheng, q="北门社区", level=DivisionLevel.COMMUNITY)[0]["code"] == "441702001001"
    assert _pick(jiangcheng, q="441702001001")[0]["name"] == "北门社区"


def test_pick_without_parameters_gives_the_users_own_division(jiangcheng):
    assert [c["code"] for c in _pick(jiangcheng)] == ["441702"]


def test_a_county_user_never_gets_another_countys_division(yangxi):
    assert _pick(yangxi, q="北门") == []
    assert _pick(yangxi, parent="441702001") == []
    assert [c["code"] for c in _pick(yangxi, parent="4417")] == ["441721"]
    assert all(c["code"].startswith("441721") for c in _pick(yangxi, q="社区"))


def test_an_organisation_account_gets_no_divisions():
    from yanglao.core.models import Organisation

    org = Organisation.objects.create(name="某养老院", kind="institution", division_code="441702001001")
    operator = make_user(Role.INSTITUTION_OPERATOR, "", organisation=org)
    assert _pick(operator, q="北门") == [] and _pick(operator, parent="4417") == []


def test_pick_needs_a_sign_in(client):
    assert client.get("/divisions/pick/?q=北门").status_code == 302


class _Form(forms.Form):
    division_code = DivisionField(level=DivisionLevel.COMMUNITY)


def _clean(user, data):
    form = bind_pickers(_Form(data), user)
    return form.is_valid(), form


@pytest.mark.parametrize("data", [
    {"division_code": "441702001001"},  # a code alone (API-like)
    {"division_code_text": "北门"},  # typed, nothing chosen
    {"division_code_text": "北门社区居委会"},
    {"division_code": "", "division_code_text": "南恩街道/北门社区"},
    {"division_code": "441702001001", "division_code_text": "北门社区"},  # chosen from the list
    {"division_code": "441702001002", "division_code_text": "北门"},  # chosen, then typed over: the text wins
])
def test_the_field_takes_names_and_codes(jiangcheng, data):
    ok, form = _clean(jiangcheng, data)
    assert ok, form.errors
    assert form.cleaned_data["division_code"] == "441702001001"


def test_the_field_refuses_another_jurisdiction_on_the_field(yangxi):
    ok, form = _clean(yangxi, {"division_code_text": "北门社区"})
    assert not ok and "不在您的管辖范围" in form.errors["division_code"][0]


def test_the_field_answers_an_ambiguous_name_with_candidates_it_renders(city_admin):
    ok, form = _clean(city_admin, {"division_code_text": "东门"})
    assert not ok and "2 个" in form.errors["division_code"][0]
    html = str(form["division_code"])
    assert html.count('data-code="') == 2 and 'value="东门"' in html


def test_the_field_refuses_a_township_where_a_community_is_needed(jiangcheng):
    ok, form = _clean(jiangcheng, {"division_code_text": "441702001000"})
    assert not ok and "请选择村（社区）" in form.errors["division_code"][0]


def test_an_unbound_field_refuses_everything():
    form = _Form({"division_code": "441702001001"})
    assert not form.is_valid()


def test_the_widget_shows_the_name_not_the_code(jiangcheng):
    form = bind_pickers(_Form(initial={"division_code": "441702001001"}), jiangcheng)
    html = str(form["division_code"])
    assert 'value="北门社区"' in html and 'name="division_code" value="441702001001"' in html
    assert "江城区 / 南恩街道 / 北门社区" in html and 'data-root="441702"' in html
    assert "<script" not in html and "onclick" not in html


def test_the_division_name_filter_shows_names_with_the_code_on_hover(divisions):
    from django.template import Context, Template

    out = Template("{% load divisions %}<td title=\"{{ c|division_title }}\">{{ c|division_name }}</td>{{ x|division_name }}").render(
        Context({"c": "441702001001", "x": "999"}))
    assert out == '<td title="北门社区居委会 441702001001">北门社区</td>999'


def test_the_division_index_costs_no_query_per_row(divisions, django_assert_max_num_queries):
    from yanglao.core.divisions import division_index, division_short_name

    division_index()
    with django_assert_max_num_queries(0):
        assert [division_short_name(c) for c in ("441702", "441702001", "441702001001")] == ["江城区", "南恩街道", "北门社区"]


def test_the_audit_log_filters_by_a_division_name(auditor):
    from yanglao.core.audit import record

    record("update", object_type="core.organisation", object_id=1, division_code="441702001001", object_repr="南恩的机构")
    record("update", object_type="core.organisation", object_id=2, division_code="441721100001", object_repr="阳西的机构")
    page = page_client(auditor).get("/audit/", {"division_text": "南恩街道"}).content.decode()
    assert "南恩的机构" in page and "阳西的机构" not in page
    page = page_client(auditor).get("/audit/", {"division_text": "北门大道"}).content.decode()
    assert 'data-testid="error-division"' in page
