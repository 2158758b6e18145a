"""Run by tests/core/test_replica.py in a process of its own, against a throwaway primary and its streaming
replica (DATABASE_URL, DATABASE_REPLICA_URL): prints what it observed as one JSON object."""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yanglao.config.test_settings")

import django  # noqa: E402

django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from yanglao.core.audit import AuditActor, audit_context, record  # noqa: E402
from yanglao.core.dbrouting import read_alias, replica_reads  # noqa: E402
from yanglao.core.models import AuditEntry, User  # noqa: E402
from yanglao.core.roles import Role  # noqa: E402
from yanglao.core.testing import make_user  # noqa: E402


def scalar(alias: str, sql: str) -> object:
    with connections[alias].cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


def main() -> None:
    out: dict[str, object] = {"primary_in_recovery": scalar("default", "SELECT pg_is_in_recovery()"),
                              "replica_in_recovery": scalar("replica", "SELECT pg_is_in_recovery()")}
    with audit_context(actor=AuditActor(user_id=None, username="replica-check")):
        user = make_user(Role.CITY_ADMIN, "4417", username="replica-city")  # a write: on the primary
    deadline = time.monotonic() + 30
    while not User.objects.using("replica").filter(username="replica-city").exists():
        if time.monotonic() > deadline:
            out["replicated"] = False
            print(json.dumps(out))
            return
        time.sleep(0.1)
    out["replicated"] = True

    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # as the test runner does
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connections["replica"]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        response = client.get("/benefits/reports/")  # a report: reads from the replica
    out["report_status"] = response.status_code
    out["report_replica_queries"] = len(on_replica.captured_queries)
    out["report_primary_benefits_reads"] = [q["sql"][:120] for q in on_primary.captured_queries
                                            if "benefits_" in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT")]

    with CaptureQueriesContext(connections["replica"]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        response = Client().get("/public/homes/")  # the public portal, without an account
    out["portal_status"] = response.status_code
    out["portal_replica_queries"] = len(on_replica.captured_queries)
    out["portal_primary_queries"] = len(on_primary.captured_queries)

    with CaptureQueriesContext(connections["default"]) as on_primary:
        response = client.get("/people/")  # a working list: reads the primary (read-your-writes)
    out["list_status"] = response.status_code
    out["list_primary_people_reads"] = sum("people_person" in q["sql"] for q in on_primary.captured_queries)

    before = AuditEntry.objects.using("default").count()
    with replica_reads():
        out["read_alias_inside"] = read_alias()
        with audit_context(actor=AuditActor(user_id=user.pk, username=user.username)):
            record("export", object_type="benefits.runsummary", extra={"check": "replica"})  # a write, inside
        out["count_inside_matches_replica"] = User.objects.count() == User.objects.using("replica").count()
    out["read_alias_outside"] = read_alias()
    out["audit_written_on_primary"] = AuditEntry.objects.using("default").count() == before + 1
    try:
        with connections["replica"].cursor() as cur:
            cur.execute("INSERT INTO core_auditentry (actor_username) VALUES ('x')")
        out["replica_refuses_writes"] = False
    except Exception as exc:  # noqa: BLE001 - the message is what the test looks at
        out["replica_refuses_writes"] = "read-only" in str(exc)
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
