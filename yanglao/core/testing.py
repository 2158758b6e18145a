"""Test helpers every module uses. The main one proves the jurisdiction rule for a view or endpoint:

    assert_jurisdiction_scoped(list_url="/api/v1/people/", detail_url=f"/api/v1/people/{p.pk}/",
                               division_code=p.division_code, marker=p.name)

It signs in a user of the record's own county and one of another county, and checks that the
first sees the record (so the check can fail) while the second gets no rows, a zero count and a
404 (not a 403) on the detail. Modules may also register endpoints in SCOPED_ENDPOINTS so the
core's generic test checks them all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.test import Client

from .models import Division, User
from .roles import Role

COUNTIES = ("441702", "441704", "441721", "441781")
PASSWORD = "Test-Passw0rd!"


def ensure_divisions() -> None:
    """The Yangjiang divisions (loaded once per database; transactional tests flush them)."""
    if not Division.objects.filter(code="4417").exists():
        from .divisions import load_divisions

        load_divisions("4417")


def make_user(role: str = Role.COUNTY_STAFF, division_code: str = "441702", username: str | None = None, **extra: Any) -> User:
    ensure_divisions()
    username = username or f"{role}-{division_code}-{User.objects.count()}"
    user = User(username=username, role=role, division_id=division_code if division_code else None, **extra)
    user.set_password(PASSWORD)
    from django.utils import timezone

    user.password_changed_at = timezone.now()
    user.save()
    return user


def other_county(division_code: str) -> str:
    return next(c for c in COUNTIES if not division_code.startswith(c))


def _rows_and_count(response: Any) -> tuple[int, int | None]:
    body = json.loads(response.content)
    if isinstance(body, list):
        return len(body), None
    results = body.get("results", body.get("items", []))
    return len(results), body.get("count")


def api_client(user: User) -> Client:
    from .services import ClientInfo, token_create

    key, _token = token_create(user=user, client=ClientInfo())
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def page_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_jurisdiction_scoped(
    *,
    division_code: str,
    list_url: str | None = None,
    detail_url: str | None = None,
    marker: str | None = None,
    api: bool = True,
    role: str = Role.COUNTY_STAFF,
    extra_get_urls: tuple[str, ...] = (),
) -> None:
    """A user of the record's county sees it; a user of another county sees nothing of it."""
    county = division_code[:6]
    insider = make_user(role, county)
    outsider = make_user(role, other_county(county))
    connect = api_client if api else page_client
    inside, outside = connect(insider), connect(outsider)

    if list_url:
        got = inside.get(list_url)
        assert got.status_code == 200, f"{list_url}: own county got {got.status_code}"
        if api:
            rows, count = _rows_and_count(got)
            assert rows >= 1, f"{list_url}: own county sees no rows: the check could not fail"
            got = outside.get(list_url)
            assert got.status_code == 200, f"{list_url}: other county got {got.status_code}"
            rows, count = _rows_and_count(got)
            assert rows == 0, f"{list_url}: other county sees {rows} rows"
            assert count in (0, None), f"{list_url}: other county sees count={count}"
        else:
            assert marker, "page checks need a marker text that identifies the record"
            assert marker in got.content.decode(), f"{list_url}: own county does not see {marker!r}"
            got = outside.get(list_url)
            assert got.status_code in (200, 404), f"{list_url}: other county got {got.status_code}"
            assert marker not in got.content.decode(), f"{list_url}: other county sees {marker!r}"
    for url in (detail_url, *extra_get_urls):
        if not url:
            continue
        got = inside.get(url)
        assert got.status_code == 200, f"{url}: own county got {got.status_code}"
        got = outside.get(url)
        assert got.status_code == 404, f"{url}: other county got {got.status_code}, expected 404"
        if marker:
            assert marker not in got.content.decode(), f"{url}: other county's 404 shows {marker!r}"


@dataclass(frozen=True)
class ScopedEndpoint:
    """A view or endpoint to check: `make` creates a record in a county and returns
    (list_url, detail_url, marker, division_code)."""

    name: str
    make: Callable[[], tuple[str | None, str | None, str | None, str]]
    api: bool = True


SCOPED_ENDPOINTS: list[ScopedEndpoint] = []


def register_scoped_endpoint(endpoint: ScopedEndpoint) -> ScopedEndpoint:
    SCOPED_ENDPOINTS.append(endpoint)
    return endpoint


def check_registered(endpoint: ScopedEndpoint) -> None:
    list_url, detail_url, marker, division_code = endpoint.make()
    assert_jurisdiction_scoped(
        division_code=division_code, list_url=list_url, detail_url=detail_url, marker=marker, api=endpoint.api
    )
