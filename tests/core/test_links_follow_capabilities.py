"""A role sees only what it may use (issue 19 item 2): the capability table decides both the link and
the view. `capability_required` keeps its capability on the view, core/links.py resolves a link to its
view and asks the role, and the templates (`{% load access %}`) draw only the links that would open."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.urls import resolve

from tests.conftest import make_id
from tests.crawl import Failure, Fetched, crawl
from yanglao.core.audit import AuditActor, audit_context
from yanglao.core.demo import DEMO_ACCOUNTS, create_demo_accounts
from yanglao.core.links import can_open, required_capability, url_if_allowed
from yanglao.core.models import User
from yanglao.core.testing import ensure_divisions, page_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users() -> dict[str, User]:
    ensure_divisions()
    with audit_context(actor=AuditActor(user_id=None, username="test")):
        create_demo_accounts()
    return {u.username: u for u in User.objects.all()}


@pytest.fixture
def small_world(demo_users):  # type: ignore[no-untyped-def]
    """One person in 北门社区 with an assessment scheduled for assessor1, one public care home."""
    from yanglao.assessments import services as assessments
    from yanglao.institutions import services as institutions
    from yanglao.people.services import person_create

    staff = demo_users["jiangcheng"]
    person = person_create(by=staff, data={"name": "黄秀英", "id_number": make_id(seq="318"),
                                           "division_code": "441702001001", "address": "北门路1号",
                                           "living_situation": "alone"})
    a = assessments.assessment_request(by=staff, person=person)
    assessments.assessment_schedule(by=staff, assessment=a, assessor_1=demo_users["assessor1"],
                                    assessor_2=demo_users["assessor2"], scheduled_on=dt.date(2026, 11, 25),
                                    place="北门路1号")
    home = institutions.institution_create(by=staff, data={"name": "江城区颐年护养院", "ownership": "public",
                                                           "division_code": "441702001001", "address": "北门路18号",
                                                           "accepts_public_admission": True})
    return {"person": person, "assessment": a, "home": home}


def test_capability_required_keeps_its_capability_on_the_view_through_other_decorators():
    assert required_capability("/people/import/") == "people.import"
    assert resolve("/people/import/").func.required_capability == "people.import"
    # @require_POST above @capability_required: functools.wraps carries the attribute up.
    assert required_capability("/benefits/runs/1/approve/") == "benefits.approve"


def test_can_open_asks_the_role_table_for_the_view_behind_a_link(demo_users):
    beimen, nanen, assessor = demo_users["beimen"], demo_users["nanen"], demo_users["assessor1"]
    assert can_open(nanen, "/people/import/")
    assert not can_open(beimen, "/people/import/")  # a community worker may not import
    assert not can_open(assessor, "/people/12/")  # an assessor has no registry access
    assert can_open(assessor, "/assessments/?status=to_record")
    assert not can_open(nanen, "/no/such/page/")
    assert url_if_allowed(beimen, "people:import") == ""
    assert url_if_allowed(nanen, "people:import") == "/people/import/"


def test_link_if_allowed_draws_a_link_or_plain_text_and_the_filters_answer_for_the_role(demo_users):
    template = Template("{% load access %}{% link_if_allowed 'people:detail' 7 text=name %}|"
                        "{% link_if_allowed 'people:import' text='导入' css='btn' hide=True %}|"
                        "{{ user|can:'people.import' }}|{{ user|may_open:'people:import' }}")
    county = template.render(Context({"user": demo_users["jiangcheng"], "name": "黄秀英"}))
    assert county == '<a href="/people/7/">黄秀英</a>|<a href="/people/import/" class="btn">导入</a>|True|True'
    assessor = template.render(Context({"user": demo_users["assessor1"], "name": "黄秀英"}))
    assert assessor == "<span>黄秀英</span>||False|False"


def test_a_community_worker_sees_no_import_button_and_no_assessment_statistics(demo_users):
    beimen = page_client(demo_users["beimen"]).get("/people/").content.decode()
    assert 'href="/people/import/"' not in beimen
    assert 'href="/people/new/"' in beimen  # what it may do stays
    assert 'href="/people/import/"' in page_client(demo_users["nanen"]).get("/people/").content.decode()
    listing = page_client(demo_users["beimen"]).get("/assessments/").content.decode()
    for hidden in ("/assessments/figures/", "/assessments/due/", "/assessments/import/"):
        assert f'href="{hidden}' not in listing
    assert 'href="/assessments/figures/"' in page_client(demo_users["nanen"]).get("/assessments/").content.decode()


def test_an_assessor_sees_the_persons_name_as_plain_text_not_a_registry_link(demo_users, small_world):
    a, person = small_world["assessment"], small_world["person"]
    page = page_client(demo_users["assessor1"]).get(f"/assessments/{a.pk}/").content.decode()
    assert "黄秀英" in page
    assert f'href="/people/{person.pk}/"' not in page
    assert 'href="/people/"' not in page_client(demo_users["assessor1"]).get("/assessments/").content.decode()
    assert f'href="/people/{person.pk}/"' in page_client(demo_users["jiangcheng"]).get(f"/assessments/{a.pk}/").content.decode()


def test_the_menu_lists_only_modules_whose_view_the_role_may_open(demo_users):
    page = page_client(demo_users["inspector"]).get("/").content.decode()
    assert 'data-nav="institutions"' in page
    assert 'data-nav="people"' not in page and 'data-nav="audit"' not in page


def _client_fetch(client):  # type: ignore[no-untyped-def]
    def fetch(path: str) -> Fetched:
        response = client.get(path, follow=True)
        final = response.redirect_chain[-1][0] if response.redirect_chain else path
        ctype = response.get("Content-Type", "")
        body = response.content.decode("utf-8", "replace") if "text/html" in ctype else ""
        return Fetched(response.status_code, final.split("?")[0], ctype, body)

    return fetch


def test_no_page_shows_a_role_a_link_that_answers_403(demo_users, small_world):
    """The crawl without a browser: every demo role, two levels deep from the workbench."""
    failures: list[Failure] = []
    roles: dict[str, str] = {}
    for username, role, *_rest in DEMO_ACCOUNTS:
        roles.setdefault(str(role), username)
    for role, username in roles.items():
        found, counts = crawl(role=role, start="/", fetch=_client_fetch(page_client(demo_users[username])))
        failures += [f for f in found if "无权访问" in f.kind]
        assert counts["fetched"] > 1, f"{username} reached no page"
    assert not failures, "\n".join(str(f) for f in failures)
