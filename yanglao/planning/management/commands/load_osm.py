"""yanglao load_osm FILE: read a local OpenStreetMap extract (.osm XML or .osm.pbf) as the walking network in use
and recompute the 15-minute circle on it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yanglao.core.audit import AuditActor, audit_context


class Command(BaseCommand):
    help = "载入本地 OpenStreetMap 文件（.osm 或 .osm.pbf）作为步行路网，并重新计算15分钟服务圈"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--name", default="", help="路网名称（默认为文件名）")
        parser.add_argument("--no-compute", action="store_true", help="只载入，不重新计算")

    def handle(self, *args: Any, **options: Any) -> None:
        from pathlib import Path

        from yanglao.planning import services
        from yanglao.planning.models import NetworkStatus

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        with audit_context(actor=AuditActor(user_id=None, username="cli:load_osm")):
            network = services.network_load(path=path, name=options["name"] or path.name)
            if network.status != NetworkStatus.READY:
                raise CommandError(f"未能载入：{network.error}")
            self.stdout.write(f"路网已载入：{network.nodes} 个节点，{network.edges} 条路段，{network.total_km} 公里")
            if not options["no_compute"]:
                run = services.circle_compute()
                self.stdout.write(f"服务圈已计算：{run.points} 个居住点，{run.facilities} 个设施，{run.seconds} 秒")
