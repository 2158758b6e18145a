from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yanglao.core.audit import AuditActor, audit_context
from yanglao.core.errors import DomainError
from yanglao.core.models import Division, User
from yanglao.people.importing import import_file_now
from yanglao.people.models import ImportStatus


class Command(BaseCommand):
    help = "从 .xlsx/.csv 导入老年人档案：yanglao import_people FILE [--all-or-nothing] [--division CODE]"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--all-or-nothing", action="store_true", help="有任何错误行则不导入")
        parser.add_argument("--division", default="4417", help="允许导入的辖区（区划代码前缀），默认阳江市")
        parser.add_argument("--as-user", default=None, help="以该账户身份导入（记入审计日志）")
        parser.add_argument("--errors", default=None, help="把错误报告写到该 .xlsx 文件")

    def handle(self, *args: Any, **o: Any) -> None:
        user = None
        if o["as_user"]:
            user = User.objects.filter(username=o["as_user"]).first()
            if user is None:
                raise CommandError(f"账户 {o['as_user']} 不存在")
        division = user.scope_prefix if user else o["division"]
        if not division or not Division.objects.filter(code=division).exists():
            raise CommandError(f"区划 {division} 不存在，请先运行 yanglao load_divisions")
        with audit_context(user, actor=None if user else AuditActor(user_id=None, username="cli:import_people")):
            try:
                job = import_file_now(path=o["file"], by=user, division_code=division,
                                      all_or_nothing=o["all_or_nothing"])
            except DomainError as exc:  # e.g. over the command line's size limit (YANGLAO_UPLOAD_MAX_MB_PEOPLE_CLI)
                raise CommandError(exc.message) from exc
        self.stdout.write(job.message)
        if job.error_rows:
            for err in job.errors.all()[:20]:
                self.stdout.write(f"  第 {err.row} 行 · {err.column}: {err.reason}")
            if o["errors"]:
                from yanglao.people.importing import error_report_workbook

                with open(o["errors"], "wb") as fh:
                    fh.write(error_report_workbook(job))
                self.stdout.write(f"错误报告已写入 {o['errors']}")
        if job.status == ImportStatus.FAILED:
            raise CommandError(job.message)
        if job.status == ImportStatus.REJECTED:
            raise CommandError("有错误行，按“全部正确才导入”未导入任何数据")
