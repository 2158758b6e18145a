"""What the people registry tells people (yanglao/notices): whoever started an import is told when it
finished with rejected rows, or failed."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def register() -> None:
    from yanglao.notices.registry import register_notice_kind

    register_notice_kind("imports.finished_with_errors", _("导入完成但有错误"), header_label=_("导入有误"),
                         description=_("您发起的导入完成后仍有错误行，或整批未导入、失败时通知您"))


def import_finished(job: Any) -> None:
    from yanglao.notices.services import notify

    from .models import ImportStatus

    if not job.created_by_id or (job.status == ImportStatus.DONE and not job.error_rows):
        return
    title = {ImportStatus.DONE: f"导入“{job.filename}”完成，{job.error_rows} 行有错误",
             ImportStatus.REJECTED: f"导入“{job.filename}”有错误行，未导入任何数据",
             ImportStatus.FAILED: f"导入“{job.filename}”失败"}.get(job.status, f"导入“{job.filename}”已结束")
    notify([job.created_by_id], "imports.finished_with_errors", title=title, body=job.message[:500],
           link=reverse("people:import_job", args=[job.pk]), division_code=job.division_code,
           dedupe_key=f"people-import:{job.pk}:{job.finished_at.isoformat() if job.finished_at else ''}")
