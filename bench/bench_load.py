"""Load on the production server: wrk against `yanglao serve` (gunicorn) as a county user, N people.

1. the database is seeded (``seed_people``; ``--reuse-database`` keeps one that already holds them), then
   analysed and ``VACUUM``ed as autovacuum would after a bulk load (the visibility map index-only counts need);
2. a county user is created with a known password and signs in by a real login POST (session cookie,
   two-factor off as in the demo settings) and by ``POST /api/v1/auth/token`` (bearer token);
3. ``yanglao serve`` starts as a subprocess (``--workers``, default 4) on a free local port;
4. wrk (``bench/load.lua``) runs ``--connections`` (default 50) concurrent connections for ``--duration``
   seconds against each page in turn, rotating over many URLs where the page takes one (200 people,
   200 names): the health endpoint first and last, then the person list, a search, a record page, the
   workbench (home) and the API list;
5. every response that is not 2xx (a redirect to the login page included) and every socket error counts
   as an error; any error fails the benchmark (exit 1) after printing the figures.

``health_ratio`` = the page's p95 / the health endpoint's p95 (the mean of its two runs) in the same run.

    .venv/bin/python bench/bench_load.py --people 1000000 --database-url postgres://…/yl_load_bench
Lines: ``load page=… p50_ms=… p95_ms=… p99_ms=… rps=… health_ratio=…`` per page, then the last line
``load_summary people=… connections=… workers=… worst_page=… worst_ratio=… errors=0``.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from common import CITY, Timer, analyze, fail, log, result, server_version, setup
from common import parser as make_parser

SEED = 2026
COUNTY = "441702"
USERNAME = "bench-load-county"
PASSWORD = "Bench-load-2026!"
HERE = Path(__file__).resolve().parent
LUA = HERE / "load.lua"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(base: str, server: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            fail(f"yanglao serve exited with {server.returncode}", code=1)
        try:
            with urllib.request.urlopen(base + "/health/live", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    fail("yanglao serve did not answer /health/live in time", code=1)


def drain(base: str, seconds: float = 300) -> None:
    """Wait until the server has worked off the previous run's backlog: wrk stops at its deadline, but the
    requests it left in the listen queue are still served (a slow page's 50 leave seconds of work), and the
    next page's run would measure them. Drained when one health request answers within half a second."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(base + "/health/live", timeout=60) as r:
                if r.status == 200 and time.monotonic() - started < 0.5:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    fail("the server did not work off its backlog in time", code=1)


def login(base: str) -> str:
    """A real sign-in: GET the form (CSRF cookie + token), POST username and password. Returns the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/login/", timeout=30) as r:
        page = r.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not token:
        fail("no CSRF token on the login page", code=1)
    data = urllib.parse.urlencode({"username": USERNAME, "password": PASSWORD,
                                   "csrfmiddlewaretoken": token.group(1)}).encode()
    req = urllib.request.Request(base + "/login/", data=data, headers={"Referer": base + "/login/"})
    with opener.open(req, timeout=30) as r:
        landed = r.geturl()
    if "/login" in urllib.parse.urlsplit(landed).path:
        fail(f"sign-in failed (landed on {landed})", code=1)
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        fail("sign-in set no session cookie", code=1)
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def api_token(base: str) -> str:
    req = urllib.request.Request(base + "/api/v1/auth/token", method="POST",
                                 data=json.dumps({"username": USERNAME, "password": PASSWORD}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        body = json.loads(r.read())
    key = body.get("token") or body.get("key") or body.get("access")
    if not key:
        fail(f"no token in the API answer: {sorted(body)}", code=1)
    return key


def check_page(base: str, path: str, header: tuple[str, str]) -> None:
    """One request before the load: a 200 that is not the login page, so the run measures the page."""
    req = urllib.request.Request(base + path, headers={header[0]: header[1]})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=60) as r:
            status = r.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    if status != 200:
        fail(f"{path}: {status} before the load (expected 200)", code=1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def run_wrk(wrk: str, base: str, paths: list[str], header: tuple[str, str] | None, *, connections: int,
            threads: int, duration: int, scratch: Path, name: str) -> dict[str, float]:
    listing = scratch / f"paths-{name}.txt"
    listing.write_text("\n".join(paths) + "\n")
    argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "-s", str(LUA)]
    if header:
        argv += ["-H", f"{header[0]}: {header[1]}"]
    argv += [base + paths[0], "--", str(listing)]
    out = subprocess.run(argv, capture_output=True, text=True, check=False)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if out.returncode != 0 or line is None:
        fail(f"wrk failed on {name} ({out.returncode}): {out.stderr.strip() or out.stdout.strip()}", code=1)
    raw = json.loads(line.removeprefix("WRKJSON "))
    errors = raw["non2xx"] + raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    if raw["requests"] == 0 and not name.startswith("warmup"):
        fail(f"{name}: no request completed in {duration} s (every request slower than the run): use a longer --duration",
             code=1)
    return {"requests": raw["requests"], "rps": raw["requests"] / (raw["duration_us"] / 1e6) if raw["duration_us"] else 0.0,
            "p50_ms": raw["p50_us"] / 1000, "p95_ms": raw["p95_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
            "max_ms": raw["max_us"] / 1000, "errors": errors, "non2xx": raw["non2xx"],
            "socket_errors": raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]}


def main() -> None:
    p = make_parser(__doc__.splitlines()[0])
    p.add_argument("--reuse-database", action="store_true",
                   help="keep the database if it already holds --people people of this seed (migrate only)")
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    p.add_argument("--connections", type=int, default=50, help="concurrent connections (default 50)")
    p.add_argument("--duration", type=int, default=30, help="seconds of load per page (default 30)")
    p.add_argument("--warmup", type=int, default=5, help="seconds of discarded load per page first (default 5)")
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (default 2)")
    args = p.parse_args()
    wrk = shutil.which("wrk")
    if not wrk:
        fail("wrk is not installed (apt-get install -y wrk)")
    os.environ.setdefault("YANGLAO_IDENTIFIER_SEARCH_PER_HOUR", "100000000")  # one account searching all day
    os.environ.setdefault("YANGLAO_IDENTIFIER_SEARCH_FLAG_PER_DAY", "100000000")
    scratch = setup(args, recreate=not args.reuse_database)

    from django.db import connections
    from django.utils import timezone

    from yanglao.core.models import User
    from yanglao.people.models import Person
    from yanglao.people.seeding import seed_people

    log(f"{server_version()}, {args.people:,} people; load average {os.getloadavg()[0]:.1f}")
    timer = Timer()
    with timer.phase("seed_people"):
        added = seed_people(args.people, seed=SEED, today=timezone.localdate(), city=CITY)
    total = Person.objects.count()
    if total != args.people:
        fail(f"the database holds {total:,} people, not {args.people:,}: run without --reuse-database", code=1)
    if added:
        with timer.phase("ANALYZE"):
            analyze()
    if connections["default"].vendor == "postgresql":
        # What autovacuum does after a bulk load (autovacuum_vacuum_insert_threshold) on a production server:
        # the visibility map that lets the registry's counts and lists read their indexes alone. Run here
        # because a benchmark server may have autovacuum off; quick when it has already been done.
        with timer.phase("VACUUM (ANALYZE) people_person"), connections["default"].cursor() as cur:
            cur.execute("VACUUM (ANALYZE) people_person")

    user = User.objects.filter(username=USERNAME).first() or User(username=USERNAME)
    user.role, user.division_id, user.is_active = "county_staff", COUNTY, True
    user.set_password(PASSWORD)
    user.password_changed_at = timezone.now()
    if hasattr(user, "must_change_password"):
        user.must_change_password = False
    user.save()

    rng = random.Random(SEED)
    county_people = list(Person.objects.filter(division_code__startswith=COUNTY).exclude(status="merged")
                         .order_by("pk").values_list("pk", "name")[:50000])
    sample = rng.sample(county_people, min(200, len(county_people)))
    quote = urllib.parse.quote
    pages: dict[str, list[str]] = {
        "person_list": ["/people/"],
        "search": [f"/people/?q={quote(name)}" for _, name in sample],
        "record": [f"/people/{pk}/" for pk, _ in sample],
        "workbench": ["/"],
        "api_list": ["/api/v1/people/"],
    }
    connections.close_all()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, YANGLAO_BIND=f"127.0.0.1:{port}", YANGLAO_WEB_WORKERS=str(args.workers),
               YANGLAO_WEB_THREADS="1", LOG_LEVEL="WARNING", PROMETHEUS_MULTIPROC_DIR=str(scratch / "metrics"),
               YANGLAO_METRICS_DIR=str(scratch / "metrics"))
    server_log = open(scratch / "server.log", "w")  # noqa: SIM115 (open for the server's lifetime)
    server = subprocess.Popen([sys.executable, "-m", "yanglao.manage", "serve"], env=env,
                              stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True)
    figures: dict[str, dict[str, float]] = {}
    try:
        wait_ready(base, server)
        cookie = ("Cookie", login(base))
        bearer = ("Authorization", f"Bearer {api_token(base)}")
        headers = {name: (bearer if name == "api_list" else cookie) for name in pages}
        for name, paths in pages.items():
            check_page(base, paths[0], headers[name])
        # warm-up, discarded: every worker imports its views and fills its caches on its first requests
        for name in ["health", *pages]:
            paths = ["/health/live"] if name == "health" else pages[name]
            run_wrk(wrk, base, paths, None if name == "health" else headers[name], connections=args.connections,
                    threads=args.wrk_threads, duration=args.warmup, scratch=scratch, name=f"warmup-{name}")
            drain(base)
        order = ["health_first", *pages, "health_last"]
        load_start = os.getloadavg()[0]
        for name in order:
            paths = ["/health/live"] if name.startswith("health") else pages[name]
            header = None if name.startswith("health") else headers[name]
            log(f"wrk {name}: {args.connections} connections, {args.duration} s …")
            figures[name] = run_wrk(wrk, base, paths, header, connections=args.connections,
                                    threads=args.wrk_threads, duration=args.duration, scratch=scratch, name=name)
            drain(base)
            f = figures[name]
            log(f"  {f['requests']:,.0f} requests, {f['rps']:.1f}/s, p50 {f['p50_ms']:.1f} ms, "
                f"p95 {f['p95_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms, max {f['max_ms']:.1f} ms, errors {f['errors']:.0f}")
        load_end = os.getloadavg()[0]
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()
        server_log.close()

    health_p95 = (figures["health_first"]["p95_ms"] + figures["health_last"]["p95_ms"]) / 2
    health = {"p50_ms": (figures["health_first"]["p50_ms"] + figures["health_last"]["p50_ms"]) / 2,
              "p95_ms": health_p95,
              "p99_ms": (figures["health_first"]["p99_ms"] + figures["health_last"]["p99_ms"]) / 2,
              "rps": (figures["health_first"]["rps"] + figures["health_last"]["rps"]) / 2}
    log(f"load average {load_start:.1f} at the start of the load, {load_end:.1f} at the end; "
        f"health p95 {figures['health_first']['p95_ms']:.1f} ms first, {figures['health_last']['p95_ms']:.1f} ms last")
    errors = sum(f["errors"] for f in figures.values())
    worst, worst_ratio = "", 0.0
    log(f"load page=health p50_ms={health['p50_ms']:.1f} p95_ms={health_p95:.1f} p99_ms={health['p99_ms']:.1f} "
        f"rps={health['rps']:.1f} health_ratio=1.00")
    for name in pages:
        f = figures[name]
        ratio = f["p95_ms"] / health_p95 if health_p95 else float("inf")
        if ratio > worst_ratio:
            worst, worst_ratio = name, ratio
        log(f"load page={name} p50_ms={f['p50_ms']:.1f} p95_ms={f['p95_ms']:.1f} p99_ms={f['p99_ms']:.1f} "
            f"rps={f['rps']:.1f} requests={f['requests']:.0f} errors={f['errors']:.0f} health_ratio={ratio:.2f} "
            f"p50_health_ratio={f['p50_ms'] / health['p50_ms']:.1f}")
    if errors:
        tail = (scratch / "server.log").read_text()[-3000:]
        print(f"server log (end):\n{tail}", file=sys.stderr)
        for name, f in figures.items():
            if f["errors"]:
                print(f"error: {name}: {f['non2xx']:.0f} non-2xx responses, {f['socket_errors']:.0f} socket errors",
                      file=sys.stderr)
    result("load_summary", people=args.people, connections=args.connections, workers=args.workers,
           duration_s=args.duration, health_p95_ms=round(health_p95, 1), worst_page=worst,
           worst_ratio=round(worst_ratio, 2), errors=int(errors), load_avg=round(load_end, 1))
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    tempfile.tempdir = None
    main()
