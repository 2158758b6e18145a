import importlib
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from yanglao.core.audit import AuditActor, audit_context
from yanglao.core.demo import DEMO_PASSWORD, create_demo_accounts
from yanglao.modules import MODULES


class Command(BaseCommand):
    help = "演示数据：演示账户（每个角色一个）和模拟老年人档案。仅用于演示库（YANGLAO_DEMO=true）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--people", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, people: int, seed: int, **options: Any) -> None:
        if not settings.DEMO:
            raise CommandError("只能在演示环境（YANGLAO_DEMO=true）中载入演示数据")
        with audit_context(actor=AuditActor(user_id=None, username="cli:load_demo")):
            created = create_demo_accounts()
        self.stdout.write(f"演示账户：新建 {len(created)} 个，密码均为 {DEMO_PASSWORD}")
        if apps.is_installed("yanglao.people"):
            call_command("seed_demo", people=people, seed=seed, stdout=self.stdout)
        # Then each module's own demo data (assessments, programmes, institutions, …), in map order.
        for module in MODULES:
            if find_spec(f"yanglao.{module}.demo"):  # people's people come from seed_demo above
                loader = importlib.import_module(f"yanglao.{module}.demo")
                with audit_context(actor=AuditActor(user_id=None, username="cli:load_demo")):
                    self.stdout.write(loader.load_demo(seed=seed))
