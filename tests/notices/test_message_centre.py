"""The message centre: the header's unread count the moment a run is ready, preferences, read and unread."""

from __future__ import annotations

import datetime as dt

import pytest

from yanglao.benefits import services as benefits
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client
from yanglao.notices import services
from yanglao.notices.models import Notice
from yanglao.notices.selectors import unread_summary

MAY = dt.date(2026, 5, 1)
pytestmark = pytest.mark.django_db


def header(user) -> str:
    html = page_client(user).get("/").content.decode()
    start = html.index('<header class="topbar">')
    return html[start:html.index("</header>", start)]


def test_the_approver_sees_daishenhe_1_in_the_header_the_moment_a_run_is_ready(
        city_admin, city_checker, jiangcheng, age_allowance, older, run_month):
    older("19400101")
    assert "待审核" not in header(city_checker)
    run = run_month(city_admin, age_allowance, MAY)
    assert run.status == "preview"
    top = header(city_checker)
    assert "待审核 1" in top and 'data-testid="notice-count">1<' in top
    # the preparer is not asked to approve their own run; county staff cannot approve
    assert "待审核" not in header(city_admin)
    assert "待审核" not in header(jiangcheng)
    notice = Notice.objects.get(recipient=city_checker)
    assert notice.link == f"/benefits/runs/{run.pk}/"
    # a recomputation of the same run is a new attempt: told again; the same attempt twice is not
    benefits.run_cancel(by=city_admin, run=run)
    run_month(city_admin, age_allowance, MAY)
    assert Notice.objects.filter(recipient=city_checker).count() == 2


def test_opening_a_notice_marks_it_read_and_goes_to_the_record(city_admin, city_checker, age_allowance, older, run_month):
    older("19400101")
    run = run_month(city_admin, age_allowance, MAY)
    notice = Notice.objects.get(recipient=city_checker)
    client = page_client(city_checker)
    got = client.post(f"/notices/{notice.pk}/open/")
    assert got.status_code == 302 and got["Location"] == f"/benefits/runs/{run.pk}/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert "待审核" not in header(city_checker)
    # someone else's notice is not found
    assert page_client(city_admin).post(f"/notices/{notice.pk}/open/").status_code == 404


def test_unread_and_read_filters_and_mark_all_read(jiangcheng):
    for i in range(3):
        services.deliver([jiangcheng], "admissions.declined", title=f"放弃床位 {i}")
    services.deliver([jiangcheng], "benefits.run_ready", title="批次待审核")
    first = Notice.objects.filter(recipient=jiangcheng).order_by("pk").first()
    services.mark_read(jiangcheng, [first.pk])
    client = page_client(jiangcheng)
    unread = client.get("/notices/?state=unread").content.decode()
    assert "放弃床位 0" not in unread and "放弃床位 1" in unread
    read = client.get("/notices/?state=read").content.decode()
    assert "放弃床位 0" in read and "放弃床位 1" not in read
    assert unread_summary(jiangcheng).total == 3
    client.post("/notices/read/", {"all": "1"})
    assert unread_summary(jiangcheng).total == 0


def test_mark_selected_read_touches_only_ones_own(jiangcheng, yangxi):
    services.deliver([jiangcheng, yangxi], "admissions.declined", title="放弃床位")
    theirs = Notice.objects.get(recipient=yangxi)
    mine = Notice.objects.get(recipient=jiangcheng)
    page_client(jiangcheng).post("/notices/read/", {"ids": [mine.pk, theirs.pk]})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None


def test_a_kind_switched_off_in_preferences_is_not_delivered(city_admin, city_checker, age_allowance, older, run_month):
    page_client(city_checker).post("/notices/preferences/", {"admissions.declined": "on"})  # run_ready left off
    assert services.preferences_of(city_checker)["benefits.run_ready"] is False
    older("19400101")
    run_month(city_admin, age_allowance, MAY)
    assert not Notice.objects.filter(recipient=city_checker).exists()
    # switched back on, the next one arrives
    services.set_preferences(city_checker, {"benefits.run_ready": True})
    services.deliver([city_checker], "benefits.run_ready", title="x")
    assert Notice.objects.filter(recipient=city_checker).count() == 1


def test_the_header_count_is_one_query(jiangcheng, django_assert_num_queries):
    services.deliver([jiangcheng], "benefits.run_ready", title="批次待审核")
    services.deliver([jiangcheng], "admissions.declined", title="放弃")
    with django_assert_num_queries(1):
        summary = unread_summary(jiangcheng)
    assert summary.total == 2 and [(str(b.label), b.count) for b in summary.badges] == [("待审核", 1)]


def test_a_rule_reaches_the_accounts_whose_jurisdiction_covers_the_record(divisions):
    county = make_user(Role.COUNTY_STAFF, "441702")
    other = make_user(Role.COUNTY_STAFF, "441721")
    city = make_user(Role.CITY_ADMIN, "4417")
    town = make_user(Role.TOWNSHIP_STAFF, "441702001")
    ids = services.Recipients(capability="people.view", division_code="441702001001", exclude=[city.pk]).user_ids()
    assert county.pk in ids and town.pk in ids and other.pk not in ids and city.pk not in ids
    # a capability without a division or organisation is nobody, never everyone who holds it
    assert services.Recipients(capability="people.view", users=(county.pk,)).user_ids() == {county.pk}


def test_a_rolled_back_action_tells_nobody(jiangcheng, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.notify([jiangcheng], "admissions.declined", title="不该出现")
                raise RuntimeError
        except RuntimeError:
            pass
    assert not Notice.objects.exists()


def test_an_unregistered_kind_is_refused(jiangcheng):
    with pytest.raises(LookupError):
        services.notify([jiangcheng], "nobody.registered", title="x")
