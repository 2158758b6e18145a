"""The jurisdiction rule: a user sees their own division and below, and nothing else."""

import pytest

from yanglao.core.models import Division, Organisation
from yanglao.core.roles import Role
from yanglao.core.scope import restrict
from yanglao.core.testing import (
    ScopedEndpoint,
    api_client,
    assert_jurisdiction_scoped,
    check_registered,
    make_user,
    page_client,
    register_scoped_endpoint,
)

pytestmark = pytest.mark.django_db


def test_county_staff_see_their_county_and_below_only(jiangcheng):
    codes = set(restrict(Division.objects.all(), jiangcheng).values_list("code", flat=True))
    assert "441702" in codes and "441702001001" in codes
    assert not any(c.startswith(("441704", "441721", "441781")) for c in codes)
    assert "4417" not in codes


def test_township_staff_see_their_township_only(divisions):
    user = make_user(Role.TOWNSHIP_STAFF, "441702001")
    codes = list(restrict(Division.objects.all(), user).values_list("code", flat=True))
    assert codes and all(c.startswith("441702001") for c in codes)


def test_an_account_without_a_division_sees_nothing(divisions):
    op_org = Organisation.objects.create(name="院", kind="institution", division_code="441702")
    operator = make_user(Role.INSTITUTION_OPERATOR, "", organisation=op_org)
    assert restrict(Division.objects.all(), operator).count() == 0
    assert list(Organisation.objects.restrict(operator)) == [op_org]


def test_anonymous_and_inactive_users_see_nothing(jiangcheng):
    from django.contrib.auth.models import AnonymousUser

    assert restrict(Division.objects.all(), AnonymousUser()).count() == 0
    jiangcheng.is_active = False
    assert restrict(Division.objects.all(), jiangcheng).count() == 0


def test_division_api_is_scoped_with_the_helper(divisions):
    assert_jurisdiction_scoped(
        division_code="441702001",
        list_url="/api/v1/divisions/?parent=441702",
        detail_url="/api/v1/divisions/441702001/",
    )


def test_division_browser_is_scoped_with_the_helper(divisions):
    assert_jurisdiction_scoped(
        division_code="441702001",
        list_url="/divisions/441702/",
        detail_url="/divisions/441702001/",
        marker="南恩街道",
        api=False,
    )


def test_the_helper_fails_when_scope_leaks(divisions, monkeypatch):
    """The helper must catch a leak: make the division endpoint ignore scope and watch it fail."""
    from yanglao.core.api import views

    monkeypatch.setattr(views.DivisionViewSet, "get_queryset", lambda self: Division.objects.all())
    with pytest.raises(AssertionError, match="other county"):
        assert_jurisdiction_scoped(
            division_code="441702001",
            list_url="/api/v1/divisions/?level=4",
            detail_url="/api/v1/divisions/441702001/",
        )


def test_registered_endpoints_are_checked_in_one_line(divisions):
    endpoint = register_scoped_endpoint(
        ScopedEndpoint(
            "divisions",
            lambda: ("/api/v1/divisions/?parent=441702", "/api/v1/divisions/441702001/", None, "441702001"),
        )
    )
    check_registered(endpoint)


def test_division_browser_shows_children_with_counts(city_admin):
    page = page_client(city_admin).get("/divisions/").content.decode()
    for name in ("江城区", "阳东区", "阳西县", "阳春市"):
        assert name in page
    county = page_client(city_admin).get("/divisions/441702/").content.decode()
    assert "南恩街道" in county and "阳江市" in county  # breadcrumb back to the city


def test_division_api_lists_children_of_a_parent(city_admin):
    body = api_client(city_admin).get("/api/v1/divisions/?parent=4417").json()
    assert body["count"] == 4
    assert {r["code"] for r in body["results"]} == {"441702", "441704", "441721", "441781"}


def test_unknown_division_code_gives_not_found_in_error_shape(city_admin):
    got = api_client(city_admin).get("/api/v1/divisions/449999/")
    assert got.status_code == 404 and got.json()["error"]["code"] == "not_found"


def test_openapi_schema_lists_every_module_and_docs_are_served_locally(city_admin):
    from django.test import Client

    schema = Client().get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/v1/auth/token", "/api/v1/people/", "/api/v1/institutions/", "/api/v1/admissions/offers/"):
        assert path in text
    docs = page_client(city_admin).get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs and "cdn" not in docs.lower()
