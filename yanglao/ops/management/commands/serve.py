"""`yanglao serve`: the web application under gunicorn (workers, bind address and timeouts from the
environment: yanglao/ops/gunicorn_conf.py), with the metrics of all its workers added up."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "以 gunicorn 运行网页服务（生产环境）：YANGLAO_BIND、YANGLAO_WEB_WORKERS 等见 docs/deployment.md"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="", help="监听地址（默认 YANGLAO_BIND，127.0.0.1:8000）")
        parser.add_argument("--workers", type=int, default=0, help="进程数（默认 YANGLAO_WEB_WORKERS，CPU 数×2+1）")
        parser.add_argument("--check", action="store_true", help="只检查配置（gunicorn --check-config）后退出")

    def handle(self, *args: Any, bind: str, workers: int, check: bool, **options: Any) -> None:
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which("gunicorn")
        if not gunicorn:
            raise CommandError("找不到 gunicorn：请安装依赖（pip install -r requirements.lock）")
        if settings.STATIC_MANIFEST and not (settings.STATIC_ROOT / "staticfiles.json").exists():
            raise CommandError(f"静态文件未收集：请先运行 yanglao collectstatic --noinput（STATIC_ROOT={settings.STATIC_ROOT}）")
        from yanglao.ops.metrics import use_multiprocess_dir

        use_multiprocess_dir("web", wipe=True)
        if bind:
            os.environ["YANGLAO_BIND"] = bind
        if workers:
            os.environ["YANGLAO_WEB_WORKERS"] = str(workers)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yanglao.config.settings")
        argv = [gunicorn, "--config", "python:yanglao.ops.gunicorn_conf"]
        if check:
            argv.append("--check-config")
        argv.append("yanglao.config.wsgi:application")
        sys.stdout.flush()
        os.execv(gunicorn, argv)  # gunicorn replaces this process: systemd supervises it directly
