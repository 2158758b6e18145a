"""Throwaway PostgreSQL clusters for tests that need a server of their own (a streaming replica, a server
to restart): initdb in a temporary directory, another port, the machine's binaries, stopped and removed after.
Run as the `postgres` user when the tests run as root (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def bindir() -> Path | None:
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if out and (Path(out) / "initdb").exists():
            return Path(out)
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return versions[0].parent if versions else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class Cluster:
    """One PostgreSQL server in `directory` on `port` (trust authentication on 127.0.0.1 only)."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = port or free_port()
        self.bin = bindir()
        assert self.bin is not None, "PostgreSQL's binaries (initdb, pg_ctl) are not installed"

    def run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(_as_owner([str(self.bin / cmd[0]), *cmd[1:]]), capture_output=True, text=True,
                                check=False, cwd=self.directory)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed: {result.stdout}\n{result.stderr}")
        return result

    def _settings(self, extra: str = "") -> None:
        with (self.data / "postgresql.auto.conf").open("a") as fh:
            fh.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.directory}'\n"
                     "fsync = off\nshared_buffers = 32MB\n" + extra)

    def init(self) -> Cluster:
        self.run("initdb", "-N", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self._settings("wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\n")
        return self

    def replica_of(self, primary: Cluster) -> Cluster:
        """A streaming replica of `primary` (pg_basebackup -R writes standby.signal and primary_conninfo)."""
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-D", str(self.data),
                 "-R", "-X", "stream", "-c", "fast")
        self._settings()
        return self

    def start(self) -> Cluster:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "server.log"), "-w", "-t", "60", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "server.log"), "-m", mode, "-w", "-t", "60",
                 "restart")

    def destroy(self) -> None:
        """Stopped (immediately) and removed, whatever state it is in: a throwaway cluster never outlives its test."""
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def psql(self, dbname: str, sql: str) -> str:
        return self.run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", dbname, "-Atqc",
                        sql).stdout.strip()


def scratch_directory(prefix: str) -> Path:
    """A temporary directory the postgres user owns (initdb and the server write into it)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    return path


def wait_until(check, seconds: float = 30) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False
