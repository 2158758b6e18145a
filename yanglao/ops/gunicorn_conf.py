"""gunicorn settings for `yanglao serve`, all from the environment (docs/deployment.md)."""

import multiprocessing
import os

bind = os.environ.get("YANGLAO_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("YANGLAO_WEB_WORKERS", "0") or 0) or multiprocessing.cpu_count() * 2 + 1
threads = int(os.environ.get("YANGLAO_WEB_THREADS", "1") or 1)
# Uploads of a 30 MB roster on a slow county line, and the synchronous exports: longer than the default 30 s.
timeout = int(os.environ.get("YANGLAO_WEB_TIMEOUT", "120") or 120)
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("YANGLAO_WEB_MAX_REQUESTS", "2000") or 0)  # recycle workers (memory)
max_requests_jitter = max_requests // 10
# The application writes one JSON line per request itself (yanglao.request); gunicorn's own access log
# would repeat it with the query string (search terms), so it is off. Errors go to stderr (the journal).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# nginx on the same machine: it sends X-Forwarded-For / -Proto; the application decides whom to believe
# (YANGLAO_TRUSTED_PROXIES), so gunicorn passes the headers through untouched.
forwarded_allow_ips = "*"
proc_name = "yanglao"
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """The worker has loaded the application: settle its heap (yanglao.ops.heap)."""
    from yanglao.ops.heap import settle

    settle()


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """A gunicorn worker ended: its live gauges leave the metrics (multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
