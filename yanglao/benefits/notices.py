"""What the benefits module tells people (yanglao/notices): the approvers of the run's division get
"待审核" the moment a monthly run is computed; a person whose allowance is suspended (and their family)
gets an SMS saying which allowance, from which month, and why."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def register() -> None:
    from yanglao.notices.registry import register_notice_kind, register_sms_template

    register_notice_kind("benefits.run_ready", _("发放批次待审核"), header_label=_("待审核"),
                         description=_("月度发放批次计算完成、等待第二人审核时通知有审核权限的人员（编制人除外）"))
    register_sms_template(
        "allowance_suspended", _("津贴暂停发放"),
        "{name}您好：您的{programme}自{month}起暂停发放，原因：{reason}。如有疑问或情况已变化，请联系所在社区或镇（街道）民政办。",
        placeholders={"name": _("老年人姓名"), "programme": _("项目名称"), "month": _("停发起始月"),
                      "reason": _("停发原因及说明")},
        sample={"name": "陈秀英", "programme": "高龄津贴", "month": "2026年12月", "reason": "未按期生存认证"},
    )


def run_ready(run: Any) -> None:
    """A run has been computed and waits for its second signature."""
    from yanglao.notices.services import Recipients, notify

    notify(Recipients(capability="benefits.approve", division_code=run.division_code, exclude=[run.prepared_by_id]),
           "benefits.run_ready", title=f"{run.programme.name} {run.month.year}年{run.month.month}月发放批次待审核",
           body=f"编制人：{run.prepared_by.display_name if run.prepared_by_id else '—'}",
           link=reverse("benefits:run", args=[run.pk]), division_code=run.division_code,
           dedupe_key=f"run-ready:{run.pk}:{run.attempt}")


def allowance_suspended(suspension: Any) -> None:
    from yanglao.notices.sms import sms_send

    reason = suspension.get_reason_display()
    if suspension.note:
        reason = f"{reason}（{suspension.note}）"
    sms_send("allowance_suspended", person=suspension.person,
             context={"programme": suspension.programme.name, "reason": reason,
                      "month": f"{suspension.from_month.year}年{suspension.from_month.month}月"},
             source=f"benefits.suspension:{suspension.pk}")
