"""The public portal under load (issue 15, item 8): its directory and catalogue pages, served from the cache,
against the server's own health check, in the same `wrk` run, on a production-style server.

    .venv/bin/python bench/bench_portal.py                   # 2,000 people of demo data, 4 workers, 10 s each
    .venv/bin/python bench/bench_portal.py --workers 2 --seconds 5 --connections 8

It re-creates its database, loads the demo data (`yanglao load_demo`), starts gunicorn (DEBUG off, several
sync workers, PostgreSQL), warms each page once, then runs wrk against /healthz and each portal page in turn
with the same threads, connections and duration, and prints requests per second, the median and 99th
percentile latency, and each page's ratio to the health check (target ≥ 0.5).

Last line: `portal health_rps=… homes_rps=… services_rps=… home_rps=… homes_filtered_rps=… detail_rps=…
policies_rps=… min_ratio=… goal=0.5 workers=…`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

GOAL = 0.5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - our own local server
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    common.fail(f"the server did not answer {url} within {timeout:.0f} s")


def parse_wrk(output: str) -> dict[str, float]:
    def ms(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, "p50_ms": ms(p50.group(1)) if p50 else 0.0, "p99_ms": ms(p99.group(1)) if p99 else 0.0,
            "non_2xx": float(errors.group(1)) if errors else 0.0}


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.set_defaults(people=2000)
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    p.add_argument("--seconds", type=int, default=10, help="wrk duration per URL (default 10)")
    p.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    p.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument("--uncached", action="store_true", help="serve with the portal's page cache off, for comparison")
    args = p.parse_args()
    if not shutil.which("wrk"):
        common.fail("wrk is not installed (apt-get install wrk)")
    scratch = common.setup(args)

    from django.core.management import call_command

    started = time.perf_counter()
    call_command("load_demo", people=args.people, verbosity=0)
    common.log(f"demo data loaded ({args.people} people) in {time.perf_counter() - started:.1f} s")
    from yanglao.institutions.models import Institution

    detail = Institution.objects.order_by("pk").values_list("pk", flat=True).first()
    from django.db import connections

    connections.close_all()

    port = free_port()
    env = dict(os.environ, DEBUG="false", YANGLAO_DEMO="true", LOG_LEVEL="WARNING", ALLOWED_HOSTS="127.0.0.1",
               YANGLAO_VAR_DIR=str(scratch), YANGLAO_PORTAL_CACHE="false" if args.uncached else "true")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "yanglao.config.wsgi:application", "--workers", str(args.workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz")
        urls = {
            "health": "/healthz",
            "home": "/public/",
            "homes": "/public/homes/",
            "homes_filtered": "/public/homes/?county=441702&nursing_vacant=1",
            "detail": f"/public/homes/{detail}/",
            "services": "/public/services/",
            "policies": "/public/policies/",
        }
        for path in urls.values():  # warm: each worker renders once, then serves from its cache
            for _ in range(args.workers * 2):
                urllib.request.urlopen(base + path, timeout=30).read()  # noqa: S310
        results: dict[str, dict[str, float]] = {}
        for name, path in urls.items():
            out = subprocess.run(["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s",
                                  "--latency", base + path], capture_output=True, text=True, check=True).stdout
            results[name] = parse_wrk(out)
            r = results[name]
            common.log(f"{name:15s} {path:50s} {r['rps']:9.1f} req/s  p50 {r['p50_ms']:7.2f} ms  "
                       f"p99 {r['p99_ms']:7.2f} ms  non-2xx {r['non_2xx']:.0f}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    health = results["health"]["rps"]
    ratios = {name: r["rps"] / health for name, r in results.items() if name != "health"}
    for name, ratio in ratios.items():
        common.log(f"ratio {name:15s} {ratio:5.2f} of /healthz {'OK' if ratio >= GOAL else 'BELOW GOAL'}")
    bad = [n for n, r in results.items() if r["non_2xx"]]
    if bad:
        common.log(f"non-2xx answers on: {', '.join(bad)}")
    common.result("portal", health_rps=f"{health:.0f}",
                  **{f"{n}_rps": f"{r['rps']:.0f}" for n, r in results.items() if n != "health"},
                  min_ratio=f"{min(ratios.values()):.2f}", goal=GOAL, workers=args.workers,
                  connections=args.connections, seconds=args.seconds, cache="off" if args.uncached else "on")


if __name__ == "__main__":
    main()
