import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "演示：启动后台任务进程（db_worker）和网页服务。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args: Any, addr: str, **options: Any) -> None:
        worker = subprocess.Popen([sys.executable, "-m", "yanglao.manage", "db_worker", "--interval", "1"])
        try:
            call_command("runserver", addr, insecure_serving=True, use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
