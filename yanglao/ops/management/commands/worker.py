"""`yanglao worker`: the background job worker (django-tasks' database worker) with a heartbeat, the
recovery of jobs whose worker died, and job metrics. One per queue in production (docs/deployment.md)."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import get_random_string


class Command(BaseCommand):
    help = "运行后台任务进程（每个队列一个）：心跳、接管已退出进程的任务、任务指标"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--queue", default="default",
                            help="队列名（default：发放批次等；imports：导入），或 * 表示全部队列")
        parser.add_argument("--interval", type=float, default=1.0, help="无任务时查询间隔（秒）")
        parser.add_argument("--max-tasks", type=int, default=None, help="运行这么多个任务后退出（由 systemd 重启）")

    def handle(self, *args: Any, queue: str, interval: float, max_tasks: int | None, **options: Any) -> None:
        queues = [q.strip() for q in queue.split(",") if q.strip()]
        unknown = [q for q in queues if q != "*" and q not in settings.TASK_QUEUES]
        if unknown:
            raise CommandError(f"未知队列：{','.join(unknown)}（可选：{','.join(settings.TASK_QUEUES)} 或 *）")
        from yanglao.ops.metrics import use_multiprocess_dir

        slug = "all" if "*" in queues else "-".join(queues)
        use_multiprocess_dir(f"worker-{slug}", wipe=True)  # before prometheus_client is first imported

        from django_tasks_db.compat import task_finished, task_started
        from django_tasks_db.management.commands.db_worker import Worker

        from yanglao.ops.heartbeat import Heartbeat, beat, requeue_orphans
        from yanglao.ops.metrics import observe_job

        worker_id = f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(6)}"[:64]
        heartbeat = Heartbeat(worker_id, queues)
        beat(worker_id, queues, started_at=heartbeat.started_at)
        requeue_orphans()  # a worker restarted by systemd takes back what its dead predecessor held
        starts: dict[str, float] = {}

        def started(sender: Any, task_result: Any, **kw: Any) -> None:
            starts[str(task_result.id)] = time.monotonic()

        def finished(sender: Any, task_result: Any, **kw: Any) -> None:
            began = starts.pop(str(task_result.id), None)
            if began is not None:
                observe_job(task_result.task.name, str(task_result.status).lower().rsplit(".", 1)[-1],
                            time.monotonic() - began)

        task_started.connect(started, weak=False)
        task_finished.connect(finished, weak=False)
        heartbeat.start()
        self.stdout.write(f"yanglao worker {worker_id}: queues={','.join(queues)}")
        self.stdout.flush()
        worker = Worker(queue_names=queues, interval=interval, batch=False, backend_name="default",
                        startup_delay=True, max_tasks=max_tasks, worker_id=worker_id, excluded_queue_names=[])
        worker.configure_signals()
        try:
            worker.run()
        finally:
            heartbeat.stop()
            from yanglao.ops.models import WorkerHeartbeat

            try:
                WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()  # a clean exit is not a death
            except Exception:  # noqa: BLE001
                pass
