"""A backup restores the whole platform: `yanglao backup` of a populated PostgreSQL database, `yanglao
restore` into a database that does not exist, then over a damaged one; every table's rows come back,
the audit trail is identical and still append-only (its trigger is in the dump), and the encrypted
fields open with the same data key (and only with it)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from tests.conftest import make_id
from yanglao.core import crypto
from yanglao.core.models import AuditEntry
from yanglao.people.models import Person

from .conftest import REPO, app_env, database_url, yanglao

AUDIT = AuditEntry._meta.db_table


def _tables(conn) -> list[str]:  # type: ignore[no-untyped-def]
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def _snapshot(conn) -> dict[str, object]:  # type: ignore[no-untyped-def]
    counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _tables(conn)}
    audit = conn.execute(f"SELECT md5(string_agg(a::text, '|' ORDER BY id)) FROM {AUDIT} a").fetchone()[0]
    secrets = conn.execute("SELECT id, id_number_enc, phone_enc FROM people_person ORDER BY id").fetchall()
    return {"counts": counts, "audit": audit, "secrets": secrets}


def _psql(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def _restore(path: Path, url: str) -> None:
    result = subprocess.run(yanglao("restore", str(path), "--yes"), cwd=REPO, env=app_env(DATABASE_URL=url),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "恢复完成" in result.stdout


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_brings_back_everything(on_postgres, jiangcheng, new_person, tmp_path: Path) -> None:
    from yanglao.benefits.services import bank_account_set

    people = [new_person(id_number=make_id(birth=f"19{40 + i}0101", seq=f"{i:03d}"), phone=f"1391234{i:04d}")
              for i in range(12)]
    bank_account_set(by=jiangcheng, person=people[0], bank_name="阳江农商银行", account_no="6228480402564890018",
                     holder_name=people[0].name)
    assert AuditEntry.objects.count() > 12
    plain = {p.pk: crypto.decrypt(p.id_number_enc) for p in people}

    out = tmp_path / "out.txt"
    with out.open("w") as fh:
        call_command("backup", "--dir", str(tmp_path / "backups"), stdout=fh)
    [dump] = list((tmp_path / "backups").glob("yanglao-*.dump"))
    assert (tmp_path / "backups" / f"{dump.name}.sha256").exists()
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    source_url = database_url()
    with psycopg.connect(source_url) as conn:
        before = _snapshot(conn)
    scratch = f"{connection.settings_dict['NAME']}_restored"
    scratch_url = database_url(scratch)
    admin_url = database_url("postgres")
    _psql(admin_url, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    try:
        _restore(dump, scratch_url)  # into a database that does not exist: created, then filled
        with psycopg.connect(scratch_url) as conn:
            assert _snapshot(conn) == before
        # destroy: people gone, the audit trail's trigger gone
        _psql(scratch_url, f"TRUNCATE people_person CASCADE; DROP TRIGGER audit_append_only ON {AUDIT}")
        _restore(dump, scratch_url)
        with psycopg.connect(scratch_url, autocommit=True) as conn:
            after = _snapshot(conn)
            assert after == before
            assert after["counts"]["people_person"] == len(people) and after["counts"][AUDIT] > 12
            for statement in (f"UPDATE {AUDIT} SET object_repr = 'x'", f"DELETE FROM {AUDIT}"):
                with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                    conn.execute(statement)
            restored = dict(conn.execute("SELECT id, id_number_enc FROM people_person").fetchall())
            account = conn.execute("SELECT account_no_enc FROM benefits_bankaccount").fetchone()[0]
        # the same data key opens the restored fields; another key does not
        assert {pk: crypto.decrypt(enc) for pk, enc in restored.items()} == plain
        assert crypto.decrypt(account) == "6228480402564890018"
        with override_settings(DATA_KEY="some-other-key", DATA_KEYS_OLD=[]), pytest.raises(ValueError):
            crypto.decrypt(restored[people[1].pk])
        # and the restored database is at the code's schema version
        check = subprocess.run(yanglao("migrate", "--check"), cwd=REPO, env=app_env(DATABASE_URL=scratch_url),
                               capture_output=True, text=True, timeout=120)
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        _psql(admin_url, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    assert Person.objects.count() == len(people)  # the source was never touched


def test_restore_refuses_without_confirmation_and_a_broken_file(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "x.dump"))
    broken = tmp_path / "yanglao-x.dump"
    broken.write_bytes(b"PGDMP-truncated")
    (tmp_path / "yanglao-x.dump.sha256").write_text("0" * 64 + "  yanglao-x.dump\n")
    with pytest.raises(CommandError, match="校验失败"):
        call_command("restore", str(broken), "--yes")
