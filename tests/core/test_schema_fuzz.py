"""Schemathesis over the whole OpenAPI schema, against the real test database with seeded data.

Every operation runs with a bounded number of generated cases, authenticated by the bearer token of a
city administrator made for the run (the token endpoint itself is left out, so the fuzzer can neither
lock an account nor revoke the token it uses). The checks: no 5xx, the status code is one the schema
declares, and the response body conforms to the schema declared for it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from yanglao.config.wsgi import application
from yanglao.core.roles import Role
from yanglao.core.testing import ensure_divisions, make_user

MAX_EXAMPLES = int(os.environ.get("YANGLAO_FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]


@pytest.fixture
def wsgi_in_test_transaction(db: None):
    """Calls through the WSGI handler keep the test's connection open, as Django's test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/api/schema/", application).exclude(path_regex=r"^/api/v1/auth/token")


@pytest.fixture
def fuzz_world(wsgi_in_test_transaction: None) -> tuple[str, dict[str, str]]:
    """Divisions, a city administrator made for the run, a few people, a programme with a rule and a
    band, an enrolment, a suspension, a queued run, an approved assessment, an institution with beds
    and a waiting application. Returns the administrator's bearer token and, per path prefix, the id of
    a record there (so detail operations are exercised on real records, not only answered 404)."""
    from tests.conftest import make_id
    from tests.institutions.conftest import give_care_level
    from yanglao.admissions import services as admissions
    from yanglao.benefits import services as benefits
    from yanglao.core.services import ClientInfo, token_create
    from yanglao.institutions import services as institutions
    from yanglao.people.services import person_create

    ensure_divisions()
    admin = make_user(Role.CITY_ADMIN, "4417", username="fuzz-city")
    people = [
        person_create(by=admin, data={"name": "陈秀英", "id_number": make_id(birth=birth, seq=f"{n + 300:03d}"),
                                      "division_code": "441702001001", "phone": f"1380000{n:04d}",
                                      "address": "北门路1号", "living_situation": "alone"}, today=dt.date(2026, 11, 23))
        for n, birth in enumerate(("19400101", "19350315", "19500620"))
    ]
    p = benefits.programme_create(by=admin, code="gaoling", name="高龄津贴", kind="allowance",
                                  legal_basis="阳民〔2025〕1号", issuing_unit="阳江市民政局")
    benefits.rule_add(by=admin, programme=p, valid_from=dt.date(2025, 1, 1), min_age=80, document_no="阳民〔2025〕1号")
    benefits.band_add(by=admin, programme=p, valid_from=dt.date(2025, 1, 1), key_min=80, key_max=None, amount="50",
                      label="80岁及以上", document_no="阳民〔2025〕1号")
    inst = institutions.institution_create(by=admin, data={
        "name": "江城区社会福利中心", "ownership": "public", "division_code": "441702001001", "address": "北门路9号",
        "capacity": 100, "accepts_public_admission": True,
    })
    institutions.beds_add(by=admin, institution=inst, building="1号楼", floor="1", rooms=["101"], beds_per_room=2,
                          bed_type="nursing")
    # Records whose optional fields are empty (an open-ended enrolment and suspension, a queued run),
    # so responses with nulls are checked against the schema too.
    enrolment = benefits.enrolment_apply(by=admin, person=people[0], programme=p, from_month=dt.date(2026, 1, 1))
    suspension = benefits.suspension_create(by=admin, person=people[1], programme=p, reason="other",
                                            from_month=dt.date(2026, 2, 1))
    run = benefits.run_preview(by=admin, programme=p, month=dt.date(2026, 3, 1))
    assessment = give_care_level(people[0], 2, reviewer=admin)
    application = admissions.application_create(by=admin, person=people[0], institution=inst)
    key, _token = token_create(user=admin, client=ClientInfo())
    ids = {
        "/api/v1/people/": people[2].pk, "/api/v1/benefits/programmes/": p.pk, "/api/v1/benefits/runs/": run.pk,
        "/api/v1/benefits/enrolments/": enrolment.pk, "/api/v1/benefits/suspensions/": suspension.pk,
        "/api/v1/assessments/": assessment.pk, "/api/v1/institutions/": inst.pk,
        "/api/v1/admissions/applications/": application.pk, "/api/v1/divisions/": "441702",
    }
    return key, {prefix: str(value) for prefix, value in ids.items()}


def fuzz_operation(operation, *, headers: dict[str, str], real_id: str | None, counts: Counter[int]) -> None:
    @given(case=operation.as_strategy(), use_real_id=st.booleans())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def check(case, use_real_id):
        if use_real_id and real_id is not None:
            for name in case.path_parameters or {}:
                case.path_parameters[name] = real_id
        response = case.call(headers=headers)
        counts[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    check()


def test_every_operation_answers_without_server_error_and_as_declared(fuzz_world):
    """One test over every operation (the seeded data are made once): MAX_EXAMPLES generated cases each,
    half of them on a real record's id where the path takes one."""
    token, ids = fuzz_world
    headers = {"Authorization": f"Bearer {token}"}
    failures: dict[str, str] = {}
    statuses: dict[str, Counter[int]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40  # the whole API, not an empty schema

    for operation in operations:
        real_id = next((v for prefix, v in ids.items() if operation.path.startswith(prefix)), None)
        counts = statuses.setdefault(operation.label, Counter())

        try:
            fuzz_operation(operation, headers=headers, real_id=real_id, counts=counts)
        except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure, report them together
            failures[operation.label] = str(exc)[:3000]
    print("\n".join(f"{label}: {dict(counts)}" for label, counts in statuses.items()))
    assert not failures, "\n\n".join(f"=== {label}\n{text}" for label, text in failures.items())
