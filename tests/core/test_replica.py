"""Reads off the primary (issue 17, item 4), on a real streaming replica set up on this machine: a throwaway
primary cluster and a replica made by pg_basebackup on other ports. Reports read from the replica; working
pages read the primary; a write never goes to the replica (which would refuse it anyway)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import needs_postgres
from tests.pgcluster import Cluster, bindir, scratch_directory, wait_until

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, needs_postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(bindir() is None, reason="PostgreSQL's server binaries are not installed")]


@pytest.fixture
def primary_and_replica():
    primary_dir, replica_dir = scratch_directory("yl-primary-"), scratch_directory("yl-replica-")
    primary = Cluster(primary_dir).init().start()
    replica = None
    try:
        primary.psql("postgres", "CREATE DATABASE yl")
        # the schema (and the migrations' rows) of the test database, as a restore would bring it
        s = connection.settings_dict
        dump = subprocess.run(["pg_dump", "-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432),
                               "-U", s["USER"], "--no-owner", "--no-privileges", s["NAME"]],
                              capture_output=True, check=True).stdout
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-d", "yl", "-q",
                        "-v", "ON_ERROR_STOP=1"], input=dump, capture_output=True, check=True)
        replica = Cluster(replica_dir).replica_of(primary).start()
        assert wait_until(lambda: replica.psql("yl", "SELECT pg_is_in_recovery()") == "t")
        yield primary, replica
    finally:
        if replica:
            replica.stop()
        primary.stop()
        shutil.rmtree(primary_dir, ignore_errors=True)
        shutil.rmtree(replica_dir, ignore_errors=True)


def test_reports_read_from_the_replica_and_writes_stay_on_the_primary(primary_and_replica):
    primary, replica = primary_and_replica
    env = {**os.environ, "DATABASE_URL": primary.url("yl"), "DATABASE_REPLICA_URL": replica.url("yl"),
           "DJANGO_SETTINGS_MODULE": "yanglao.config.test_settings", "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, str(ROOT / "tests" / "core" / "replica_check.py")], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert (seen["primary_in_recovery"], seen["replica_in_recovery"]) == (False, True)  # a real standby
    assert seen["replicated"]  # what the primary wrote streamed to the replica
    assert seen["report_status"] == 200 and seen["report_replica_queries"] > 0
    assert seen["report_primary_benefits_reads"] == []  # the report's reads all went to the replica
    assert seen["portal_status"] == 200 and seen["portal_replica_queries"] > 0
    assert seen["portal_primary_queries"] == 0  # the public portal never touches the primary
    assert seen["list_status"] == 200 and seen["list_primary_people_reads"] > 0  # the working list: primary
    assert (seen["read_alias_inside"], seen["read_alias_outside"]) == ("replica", "default")
    assert seen["audit_written_on_primary"]  # a write inside the replica's reads went to the primary
    assert seen["count_inside_matches_replica"]
    assert seen["replica_refuses_writes"]  # and it could not have gone to the replica
