import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "演示：启动后台任务进程（每个队列一个 yanglao worker）和网页服务。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args: Any, addr: str, **options: Any) -> None:
        # One worker per queue (`yanglao worker`: heartbeat, recovery of a dead worker's job; docs/deployment.md) (settings.TASK_QUEUES: "default" for payment runs and other urgent
        # work, "imports" for spreadsheet imports), so a long import never holds up a payment run.
        workers = [
            subprocess.Popen([sys.executable, "-m", "yanglao.manage", "worker", "--interval", "1", "--queue", queue])
            for queue in settings.TASK_QUEUES
        ]
        if os.environ.get("YANGLAO_MQTT_URL"):  # with a broker configured, the alarms' MQTT subscriber too
            workers.append(subprocess.Popen([sys.executable, "-m", "yanglao.manage", "alarm_subscriber"]))
        try:
            call_command("runserver", addr, insecure_serving=True, use_reloader=False)
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=10)
