from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yanglao.core.audit import AuditActor, audit_context
from yanglao.core.models import User
from yanglao.core.services import totp_reset


class Command(BaseCommand):
    help = "重置账户的两步验证（如手机丢失）：--username U。该账户的所有会话和接口令牌随即失效，下次登录重新绑定验证器。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", required=True)

    def handle(self, *args: Any, **o: Any) -> None:
        user = User.objects.filter(username=o["username"]).first()
        if user is None:
            raise CommandError(f"账户 {o['username']} 不存在")
        with audit_context(actor=AuditActor(user_id=None, username="cli:reset_two_factor")):
            totp_reset(user=user)
        self.stdout.write(self.style.SUCCESS(f"已重置 {user.username} 的两步验证，其会话和接口令牌均已失效"))
