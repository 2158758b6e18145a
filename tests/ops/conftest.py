"""Helpers for the production tests: the platform's real processes (gunicorn, workers) started as
subprocesses against the test database, free ports, and the tools they need."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(name: str | None = None, *, port: int | None = None) -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{port or db.get('PORT') or 5432}/{name or db['NAME']}"


def app_env(**extra: str) -> dict[str, str]:
    """The environment of a platform process: the test database, demo keys, metrics under a temp dir."""
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env |= {"PYTHONPATH": str(REPO), "DATABASE_URL": database_url(), "YANGLAO_DEMO": "true",
            "YANGLAO_REQUIRE_2FA": "false", "YANGLAO_LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"}
    env |= extra
    return env


def yanglao(*args: str) -> list[str]:
    return [sys.executable, "-m", "yanglao.manage", *args]


def wait_for(predicate, *, timeout: float = 60, every: float = 0.2, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def stop(proc: subprocess.Popen, *, timeout: float = 15) -> None:  # type: ignore[type-arg]
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def on_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    if not shutil.which("pg_dump"):
        pytest.fail("pg_dump is missing: apt-get install postgresql-client")
