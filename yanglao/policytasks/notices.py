"""What the policy tasks tell people (yanglao/notices): a weekly reminder, checked daily, to each unit with a
task overdue or due within 30 days on which it has not reported 100 %."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def register() -> None:
    from yanglao.notices.registry import register_daily_reminder, register_notice_kind

    register_notice_kind("policytasks.due", _("政策任务到期提醒"), header_label=_("督办"),
                         description=_("每日检查：本单位负责的政策任务已逾期或30天内到期、尚未报送完成时提醒（每项每周一次）"))
    register_daily_reminder("policytasks.due", remind_due)


def recipients_of(assignment) -> list[int]:  # type: ignore[no-untyped-def]
    """The unit's own accounts; for a county government, its county's staff who may report."""
    from yanglao.core.models import User
    from yanglao.core.roles import Role

    if assignment.organisation.kind == "government" and assignment.division_code != "4417":
        qs = User.objects.filter(role=Role.COUNTY_STAFF, division_id=assignment.division_code)
    else:
        qs = User.objects.filter(organisation_id=assignment.organisation_id)
    return list(qs.filter(is_active=True).values_list("pk", flat=True))


def remind_due(today: dt.date) -> str:
    from yanglao.notices.services import deliver

    from .selectors import assignments_due_reminder

    week = today.isocalendar()
    told = 0
    for a in assignments_due_reminder(today):
        users = recipients_of(a)
        if not users:
            continue
        due = a.task.revised_due or a.task.due_date
        late = due is not None and due < today
        title = (f"政策任务第 {a.task.number} 项已逾期（时限 {due:%Y-%m-%d}）" if late
                 else f"政策任务第 {a.task.number} 项将于 {due:%Y-%m-%d} 到期")
        told += deliver(users, "policytasks.due", title=title, body=f"{a.task.title}（{a.organisation.name}，当前进度 {a.percent}%）",
                        link=reverse("policytasks:detail", args=[a.task.number]), division_code=a.division_code,
                        dedupe_key=f"policytasks:{a.pk}:{week.year}-W{week.week:02d}")
    return f"政策任务提醒 {told} 条"
