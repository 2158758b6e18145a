"""A GET never changes state (issue 18 item 9): every GET route of the console and the API, walked from
the URL resolver with real objects for its parameters, as the city administrator and as an institution
operator, leaves every table as it was (except the logs a GET is meant to write)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from tests.benefits.conftest import age_allowance, city_checker, older, run_month  # noqa: F401 - fixtures
from tests.people.conftest import new_person  # noqa: F401 - fixture
from yanglao.core.models import DictionaryItem, Organisation
from yanglao.core.roles import Role
from yanglao.core.testing import api_client, make_user, page_client

pytestmark = pytest.mark.django_db

# What a GET may write: the audit trail and login log (views of sensitive data are audited), sessions,
# rate-limit counters, and the "last used" stamps of the account and token making the request.
IGNORED_MODELS = {"core.auditentry", "core.loginevent", "sessions.session", "core.ratecounter"}
IGNORED_FIELDS = {"core.user": {"last_login"}, "core.apitoken": {"last_used_at"}}

MAY = dt.date(2026, 5, 1)


def snapshot() -> dict[str, str]:
    """Every row of every table (but the ignored), as a digest per table: any insert, update or delete shows."""
    out = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in IGNORED_MODELS or not model._meta.managed:
            continue
        fields = [f.attname for f in model._meta.concrete_fields if f.name not in IGNORED_FIELDS.get(label, set())]
        rows = model._base_manager.order_by("pk").values_list(*fields)
        out[label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return out


def routes() -> Iterator[tuple[str, str]]:
    """(route text, name) of every URL pattern, joined through includes."""

    def walk(resolver: URLResolver, prefix: str) -> Iterator[tuple[str, str]]:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p.name or ""

    yield from walk(get_resolver(), "")


PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>[^)]*\)")


@pytest.fixture
def world(city_admin, city_checker, jiangcheng, age_allowance, older, run_month):  # noqa: F811
    """Demo-like records of every kind a route takes as a parameter."""
    from tests.institutions.conftest import give_care_level
    from yanglao.admissions.defaults import ensure_default_rules
    from yanglao.admissions.services import application_create, offer_bed
    from yanglao.assessments import services as assessment_services
    from yanglao.benefits import services as benefit_services
    from yanglao.benefits.models import Entitlement
    from yanglao.institutions import services as inst_services
    from yanglao.institutions.models import Institution, OperatingRate, Residency
    from yanglao.people.models import Contact, ImportJob, PersonCategory, UnmaskedExportRequest

    ensure_default_rules()
    person, resident, applicant, pending = older("19400101"), older("19300101"), older("19350101"), older("19360101")
    benefit_services.bank_account_set(by=jiangcheng, person=person, bank_name="广东阳江农村商业银行",
                                      account_no="6228480123456789012", holder_name=person.name)
    run = run_month(city_admin, age_allowance, MAY)
    benefit_services.run_approve(by=city_checker, run=run)
    suspension = benefit_services.suspension_create(by=city_admin, person=resident, programme=age_allowance,
                                                    reason="other", from_month=dt.date(2026, 6, 1), note="测试")
    assessment = give_care_level(person, 3, reviewer=jiangcheng, days_ago=60)
    in_hand = assessment_services.assessment_request(by=jiangcheng, person=pending)
    org = Organisation.objects.create(name="福利中心运营公司", kind="institution", division_code="441702001")
    home = inst_services.institution_create(by=jiangcheng, operator=org, data={
        "name": "江城区社会福利中心", "ownership": "public", "division_code": "441702001001", "address": "北门路9号",
        "capacity": 100, "accepts_public_admission": True, "has_medical_unit": True})
    inst_services.beds_add(by=jiangcheng, institution=home, building="1号楼", floor="1", rooms=["101", "102"],
                           beds_per_room=1, bed_type="nursing")
    bed, other_bed = list(home.beds.all())
    residency = Residency.objects.create(person=resident, institution=home, bed=bed, admitted_on=dt.date(2025, 1, 1),
                                         division_code=home.division_code)
    give_care_level(resident, 2, reviewer=jiangcheng, days_ago=60)
    OperatingRate.objects.create(valid_from=dt.date(2020, 1, 1), document_no="测试", base_by_level={"2": "400"},
                                 star_percent={"0": 0}, medical_supplement=Decimal("100"),
                                 construction_per_bed=Decimal("5000"), construction_per_nursing_bed=Decimal("8000"))
    operating_run = inst_services.operating_compute(by=jiangcheng, month=dt.date(2026, 10, 1))
    operator = make_user(Role.INSTITUTION_OPERATOR, "", organisation=org, username="carehome")
    change = inst_services.change_request_create(by=operator, institution=Institution.objects.get(pk=home.pk),
                                                 data={"capacity": 120})
    application = application_create(by=jiangcheng, person=applicant, institution=home)
    offer = offer_bed(by=jiangcheng, application=application, bed=other_bed)
    category = PersonCategory.objects.create(person=person, category="tekun", valid_from=dt.date(2020, 1, 1),
                                             division_code=person.division_code)
    job = ImportJob.objects.create(created_by=jiangcheng, division_code="441702", filename="people.xlsx",
                                   file_path="/nonexistent/people.xlsx", file_sha256="0" * 64, status="done")
    export = UnmaskedExportRequest.objects.create(requested_by=city_admin, division_code="4417", reason="核对",
                                                  row_count=1, state="approved", decided_by=city_checker)
    from yanglao.visits.models import Referral, Visit, Visitor, VisitRecord, VisitTier

    visitor = Visitor.objects.create(name="何晓敏", kind="community_worker", division_code=person.division_code)
    done_visit, open_visit = (Visit.objects.create(
        person=person, month=dt.date(2026, 11, 1), seq=seq, tier_name="重点对象", due_date=dt.date(2026, 11, 30),
        visitor=visitor, division_code=person.division_code) for seq in (1, 2))
    visit_record = VisitRecord.objects.create(
        visit=done_visit, person=person, visitor=visitor, recorded_by=jiangcheng, method="home", health="良好",
        visited_at=dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC), division_code=person.division_code)
    referral = Referral.objects.create(record=visit_record, person=person, kind="subsidy", description="补贴申请",
                                       due_date=dt.date(2026, 12, 1), opened_by=jiangcheng,
                                       division_code=person.division_code)
    tier = VisitTier.objects.create(division_code="4417", rank=9, name="测试", living_situations=["alone"],
                                    valid_from=dt.date(2026, 1, 1))
    from tests.supervision.conftest import supervision_objects
    from yanglao.alarms import services as alarm_services

    alarm_device, _token = alarm_services.device_register(by=jiangcheng, person=person, kind="red_button", code="YJ-RB-9")
    alarm_incident = alarm_services.ingest([alarm_services.Incoming(alarm_device.code, "m-1", "mqtt")])[0].incident_id
    from yanglao.benefits.models import MatchBatch, Recovery

    batch = MatchBatch.objects.create(kind="death", filename="死亡名单.xlsx", file_sha256="1" * 64, source_unit="公安局",
                                      document_no="1号", uploaded_by=city_admin)
    recovery = Recovery.objects.create(person=person, event="death", event_date=dt.date(2026, 4, 2), amount=50,
                                       first_month=MAY, last_month=MAY, division_code=person.division_code)
    from yanglao.timebank import services as tb
    from yanglao.timebank.defaults import ensure_default_scheme
    from yanglao.workforce import services as wf

    ensure_default_scheme()
    tb_member, _code = tb.member_create(by=jiangcheng, data={"kind": "elder", "person": person})
    tb_request = tb.request_create(by=jiangcheng, elder=tb_member, service_type="chat", scheduled_on=MAY)
    caregiver = wf.caregiver_create(by=jiangcheng, data={"name": "梁秀珍", "id_number": "441702198001011239",
                                                         "institution": home, "employed_since": dt.date(2025, 1, 1)})
    course = wf.course_create(by=jiangcheng, data={"title": "岗前培训", "kind": "induction", "provider": "技师学院",
                                                   "starts_on": MAY, "ends_on": MAY, "hours": 8, "places": 20,
                                                   "division_code": "441702"})
    pk = supervision_objects(city_admin, home) | {
        "visits/plan/": open_visit.pk, "visits/visit/": open_visit.pk, "visits/visits/": open_visit.pk,
        "visits/records/": visit_record.pk, "visits/referrals/": referral.pk, "visits/visitors/": visitor.pk,
        "visits/tiers/": tier.pk,
        "alarms/incidents/": alarm_incident, "alarms/devices/": alarm_device.pk,
        "benefits/matching/": batch.pk, "benefits/recoveries/": recovery.pk,
        "timebank/members/": tb_member.pk, "timebank/requests/": tb_request.pk,
        "workforce/caregivers/": caregiver.pk, "workforce/courses/": course.pk,
        "people/": person.pk, "people/import/": job.pk, "people/export/requests/": export.pk,
        "categories/": category.pk, "assessments/reassess/": person.pk, "assessments/": assessment.pk,
        "benefits/programmes/": age_allowance.pk, "benefits/runs/": run.pk,
        "benefits/lines/": Entitlement.objects.filter(run=run).first().pk,
        "benefits/enrolments/": None, "benefits/suspensions/": suspension.pk,
        "benefits/bank-accounts/": person.bank_account.pk, "benefits/people/": person.pk,
        "institutions/": home.pk, "institutions/subsidies/": operating_run.pk, "institutions/changes/": change.pk,
        "institution-change-requests/": change.pk, "admissions/applications/": application.pk,
        "admissions/offers/": offer.pk, "divisions/": "441702", "residents/": residency.pk,
        "portal/listings/": home.pk, "public/homes/": home.pk, "public/language/": "en",
        "call/": Contact.objects.create(person=person, kind="emergency", name="陈志强",
                                        division_code=person.division_code).pk,
        "accounts/": jiangcheng.pk, "dictionaries/item/": DictionaryItem.objects.get(code="alone").pk,
    }
    pk.update(_homeadapt_world(jiangcheng, older("19380101"), home))
    from tests.homecare.world import homecare_world

    pk.update(homecare_world(county=jiangcheng, checker=city_checker, person=person))
    pk.update(_policytasks_world(jiangcheng))
    values = {"fmt": ["xlsx", "csv"], "action": ["schedule", "record", "submit", "approve", "reject", "publish",
                                                  "cancel", "disable", "reset_password"], "answer": ["accept", "decline"],
              "format": ["json"], "key": ["living_situation"],
              "kind": ["redeem", "gift", "donate", "grant", "assessments.report"], "number": ["2026-00000001", "3"],
              "year": ["2025"], "code": ["4417"]}  # funding's year report of a level: years/<year>/<code>/submit/
    return {"pk": pk, "values": values, "operator": operator, "in_hand": in_hand}


def _policytasks_world(county: Any) -> dict[str, Any]:
    from yanglao.policytasks import services as pt
    from yanglao.policytasks.models import Assignment

    pt.load_table()
    a = Assignment.objects.get(task__number=3, division_code=county.division_id)
    report = pt.report_add(by=county, assignment=a, period=dt.date(2026, 11, 1), reported_on=dt.date(2026, 11, 2),
                           percent=10, text="进展", files=[("纪要.pdf", b"%PDF-1.4\n%%EOF\n")])
    return {"policytasks/assignments/": a.pk, "policytasks/attachments/": report.attachments.get().pk,
            "policytasks/reports/": report.pk}


def _homeadapt_world(staff: Any, person: Any, home: Any) -> dict[str, Any]:
    import io

    from PIL import Image

    from yanglao.homeadapt import services as ha
    from yanglao.homeadapt.defaults import ensure_defaults
    from yanglao.homeadapt.models import AdaptationItem, Device, SubsidyRule

    ensure_defaults()
    item = AdaptationItem.objects.get(code="grab-bar-bath")
    project = ha.project_assess(by=staff, project=ha.project_apply(by=staff, person=person, address="北门路1号"),
                                needs="扶手", lines=[ha.LineInput(item, 1)])
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, format="PNG")
    photo = ha.photo_add(by=staff, project=project, content=png.getvalue(), filename="前.png", kind="before")
    device = Device.objects.get(name="手动轮椅")
    loan = ha.loan_issue(by=staff, person=person, device=device, kind="loan", issued_on=dt.date(2026, 11, 1),
                         due_on=dt.date(2026, 11, 20))
    bed = ha.care_bed_register(by=staff, person=person, institution=home, services=["care"], visits_per_month=4,
                               started_on=dt.date(2026, 10, 1))
    return {"homeadapt/projects/": project.pk, "homeadapt/photos/": photo.pk, "homeadapt/items/": item.pk,
            "homeadapt/rules/": SubsidyRule.objects.first().pk, "homeadapt/devices/": device.pk,
            "homeadapt/loans/": loan.pk, "homeadapt/beds/": bed.pk}


def urls_for(route: str, world: dict[str, Any]) -> list[str] | str:
    """The concrete URLs of a route, or the reason it cannot be filled."""
    urls = [""]
    pos = 0
    for m in PARAM.finditer(route):
        literal = route[pos:m.start()]
        pos = m.end()
        name = m.group("name") or m.group("rname")
        before = re.sub(r"[\^$\\]|\?", "", route[:m.start()]).replace("api/v1/", "")
        if name in world["values"]:
            choices = [str(v) for v in world["values"][name]]
        else:
            key = "categories/" if name == "category_pk" else next(
                (k for k in sorted(world["pk"], key=len, reverse=True) if before.endswith(k)), None)
            if key is None or world["pk"].get(key) is None:
                return f"no object for parameter {name!r}"
            choices = [str(world["pk"][key])]
        urls = [u + literal + c for u in urls for c in choices]
    tail = route[pos:]
    return ["/" + re.sub(r"\\\.", ".", re.sub(r"[\^$]|/\?", "", u + tail)).replace("\\", "") for u in urls]


def test_no_get_route_changes_any_table(world, city_admin):
    users = {"city": city_admin, "operator": world["operator"]}
    clients = {(who, kind): (page_client(u) if kind == "page" else api_client(u))
               for who, u in users.items() for kind in ("page", "api")}
    for client in clients.values():
        client.raise_request_exception = False  # a 500 is another issue's concern; state is this test's
    skipped: dict[str, str] = {}
    errors: list[str] = []
    walked: list[str] = []
    changed: list[str] = []
    for route, name in routes():
        if name in ("logout", "api-token-revoke"):  # POST-only; walking them would sign the client out
            skipped[route] = "sign-out route (POST only, checked below)"
            continue
        filled = urls_for(route, world)
        if isinstance(filled, str):
            skipped[route] = filled
            continue
        kind = "api" if route.startswith("api/") else "page"
        before = snapshot()
        for url in filled:
            for who in users:
                if clients[(who, kind)].get(url).status_code >= 500:
                    errors.append(f"{who} {url}")
            walked.append(url)
        after = snapshot()
        if after != before:
            changed.append(f"{route}: {sorted(k for k in after if after[k] != before.get(k))}")
    print("5xx (left to the input-validation item):", errors)
    assert not changed, "GET changed state:\n" + "\n".join(changed)
    assert len(walked) > 150, walked
    # What could not be filled is listed, and it is only what has no object of its own in this data set.
    assert set(skipped.values()) <= {"sign-out route (POST only, checked below)", "no object for parameter 'pk'"}, skipped
    assert page_client(city_admin).get("/logout/").status_code == 405


def test_downloading_the_payment_file_leaves_the_run_approved_and_marking_it_paid_is_a_confirmed_post(
        world, city_admin):
    from yanglao.benefits.models import PaymentRun

    run_id = world["pk"]["benefits/runs/"]
    page = page_client(city_admin)
    for fmt in ("xlsx", "csv"):
        assert page.get(f"/benefits/runs/{run_id}/file.{fmt}").status_code == 200
    assert PaymentRun.objects.get(pk=run_id).status == "approved"
    assert page.get(f"/benefits/runs/{run_id}/mark-paid/").status_code == 405
    shown = page.get(f"/benefits/runs/{run_id}/").content.decode()
    assert 'data-testid="mark-paid-confirm"' in shown
    page.post(f"/benefits/runs/{run_id}/mark-paid/", {})  # without the confirmation
    assert PaymentRun.objects.get(pk=run_id).status == "approved"
    page.post(f"/benefits/runs/{run_id}/mark-paid/", {"confirm": "1"})
    run = PaymentRun.objects.get(pk=run_id)
    assert run.status == "paid" and run.paid_at is not None
