"""The printable 政策任务督办单 (yanglao.documents): one task with its deadline, status, each unit's progress and the
lead unit's latest consolidations, with the bureau's seal box, for the joint meeting's file."""

from __future__ import annotations

from typing import Any

from yanglao.documents.registry import DocumentContent

from .models import CITY_CODE, Status, Task


def task_queryset(user: Any) -> Any:
    from . import selectors

    return selectors.with_status(selectors.tasks_for(user).select_related("lead"))


def task_document(task: Task, *, user: Any, reveal: bool = False) -> DocumentContent:
    from yanglao.core.scope import restrict

    assignments = list(restrict(task.assignments.select_related("organisation"), user))
    consolidations = list(task.consolidations.select_related("reported_by")[:6])
    status = Status(task.status).label  # type: ignore[attr-defined]
    fields = {"序号": task.number, "任务": task.title, "时限": str(task.revised_due or task.due_date or "持续实施"),
              "状态": str(status), "进度": task.progress,
              "分工": [[a.organisation.name, a.percent, str(a.last_reported_on or "")] for a in assignments],
              "汇总": [[str(c.period), c.percent, c.text] for c in consolidations]}
    return DocumentContent(
        fields=fields, division_code=CITY_CODE,
        context={"task": task, "status": status, "assignments": assignments, "consolidations": consolidations},
        signatures=["督办人", "牵头单位负责人"], seals=["阳江市民政局"],
        label=f"政策任务第 {task.number} 项督办单")


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    from yanglao.documents.registry import register_document

    register_document("policytasks.task", _("政策任务督办单"), "policytasks/doc_task.html", task_document,
                      "policytasks.view", queryset=task_queryset, issuing_unit="阳江市养老服务部门间联席会议办公室",
                      seal_text="阳江市民政局", footer="政策任务督办单")
