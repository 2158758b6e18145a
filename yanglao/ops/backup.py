"""Backups of the database and their restore (docs/deployment.md).

PostgreSQL: `pg_dump --format=custom` (compressed, restorable table by table, consistent without stopping
the platform) into BACKUP_DIR as yanglao-<database>-<UTC time>.dump, written under a temporary name and
renamed when complete, with a .sha256 beside it; the oldest beyond BACKUP_KEEP are removed. The dump
holds everything the platform needs: the tables, the audit log's append-only trigger, sequences.
It does NOT hold the keys: a restore needs the same YANGLAO_DATA_KEY (and YANGLAO_LOOKUP_KEY) to read the
encrypted fields, so keep the keys in a separate safe place.
SQLite (the embedded default): the online backup API, into a .sqlite3 file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections


class BackupError(RuntimeError):
    pass


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    env.pop("PGDATABASE", None)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"找不到 {name}：请安装 postgresql-client（与服务器相同的主版本）")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup(*, directory: Path | None = None, keep: int | None = None, alias: str = "default") -> Path:
    """Write one backup and return its path."""
    directory = Path(directory or settings.BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    db = connections[alias].settings_dict
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        target = directory / f"yanglao-{db['NAME']}-{stamp}.dump"
        partial = target.with_suffix(".dump.partial")
        result = subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--compress=6", "--no-owner", "--no-privileges",
             f"--file={partial}", "--dbname", db["NAME"]],
            env=_pg_env(db), capture_output=True, text=True)
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")
    elif vendor == "sqlite":
        import sqlite3

        target = directory / f"yanglao-{Path(str(db['NAME'])).stem}-{stamp}.sqlite3"
        partial = target.with_suffix(".sqlite3.partial")
        source = sqlite3.connect(str(db["NAME"]))
        dest = sqlite3.connect(str(partial))
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
    else:
        raise BackupError(f"不支持的数据库：{vendor}")
    with partial.open("rb") as fh:
        os.fsync(fh.fileno())
    os.chmod(partial, 0o600)
    partial.rename(target)
    Path(f"{target}.sha256").write_text(f"{_sha256(target)}  {target.name}\n", encoding="ascii")
    prune(directory, keep=settings.BACKUP_KEEP if keep is None else keep, suffix=target.suffix)
    return target


def prune(directory: Path, *, keep: int, suffix: str) -> list[Path]:
    if keep <= 0:
        return []
    backups = sorted(directory.glob(f"yanglao-*{suffix}"))
    removed = backups[:-keep] if len(backups) > keep else []
    for old in removed:
        old.unlink(missing_ok=True)
        Path(f"{old}.sha256").unlink(missing_ok=True)
    return removed


def verify(path: Path) -> None:
    """The checksum written with the backup still matches (a copied or old file is not silently broken)."""
    sums = Path(f"{path}.sha256")
    if sums.exists():
        expected = sums.read_text(encoding="ascii").split()[0]
        if _sha256(path) != expected:
            raise BackupError(f"备份文件校验失败（SHA-256 不符）：{path}")


def restore(path: Path, *, alias: str = "default", jobs: int = 2) -> None:
    """Restore a backup into the configured database, replacing what is there. The platform (web server
    and workers) must be stopped. A missing PostgreSQL database is created first."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"备份文件不存在：{path}")
    verify(path)
    conn = connections[alias]
    db = conn.settings_dict
    conn.close()
    if conn.vendor == "postgresql":
        env = _pg_env(db)
        exists = subprocess.run(
            [_tool("psql"), "--dbname", "postgres", "-Atc",
             f"SELECT 1 FROM pg_database WHERE datname = '{db['NAME'].replace(chr(39), '')}'"],
            env=env, capture_output=True, text=True)
        if exists.returncode != 0:
            raise BackupError(f"无法连接数据库服务器：{exists.stderr.strip()}")
        if exists.stdout.strip() != "1":
            created = subprocess.run([_tool("createdb"), db["NAME"]], env=env, capture_output=True, text=True)
            if created.returncode != 0:
                raise BackupError(f"无法创建数据库：{created.stderr.strip()}")
        result = subprocess.run(
            [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--exit-on-error",
             f"--jobs={max(1, jobs)}", "--dbname", db["NAME"], str(path)],
            env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_restore 失败：{result.stderr.strip()}")
    elif conn.vendor == "sqlite":
        import sqlite3

        source = sqlite3.connect(str(path))
        dest = sqlite3.connect(str(db["NAME"]))
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
    else:
        raise BackupError(f"不支持的数据库：{conn.vendor}")
