from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yanglao.core.audit import AuditActor, audit_context
from yanglao.core.errors import ValidationFailed
from yanglao.core.models import Organisation
from yanglao.core.roles import Role
from yanglao.core.services import staff_create


class Command(BaseCommand):
    help = "创建工作人员账户：--username U --password P --role ROLE --division CODE（机构/服务商账户用 --organisation ID）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--division", default=None, help="所属区划代码（工作人员必填）")
        parser.add_argument("--organisation", type=int, default=None, help="所属组织编号（机构经办人、服务商必填）")
        parser.add_argument("--name", default="", help="姓名")

    def handle(self, *args: Any, **o: Any) -> None:
        org = Organisation.objects.filter(pk=o["organisation"]).first() if o["organisation"] else None
        if o["organisation"] and org is None:
            raise CommandError(f"组织 {o['organisation']} 不存在")
        try:
            with audit_context(actor=AuditActor(user_id=None, username="cli:create_staff")):
                user = staff_create(username=o["username"], password=o["password"], role=o["role"],
                                    division_code=o["division"], organisation=org, real_name=o["name"])
        except ValidationFailed as exc:
            raise CommandError("；".join(f"{k}: {v}" for k, v in (exc.details or {}).items())) from exc
        self.stdout.write(self.style.SUCCESS(f"已创建账户 {user.username}（{user.get_role_display()}，{user.jurisdiction_label}）"))
