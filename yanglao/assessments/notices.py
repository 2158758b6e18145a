"""What the assessment workflow tells people (yanglao/notices): the two assessors get a notice when an
assessment is assigned to them; the older person and family get the appointment by SMS; county staff are
reminded daily of reassessments falling due."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def register() -> None:
    from yanglao.notices.registry import register_daily_reminder, register_notice_kind, register_sms_template

    register_notice_kind("assessments.assigned", _("派给我的评估"), header_label=_("待评估"),
                         description=_("评估派单或改期后通知两名评估员"))
    register_notice_kind("assessments.due", _("复评即将到期"),
                         description=_("每日提醒：辖区内7天内到期、尚未申请复评的人数"))
    register_sms_template(
        "assessment_appointment", _("能力评估预约"),
        "{name}您好：您的老年人能力评估已预约在{date}，地点：{place}。届时两名评估员将上门，请备好身份证。如需改期请联系所在社区。",
        placeholders={"name": _("老年人姓名"), "date": _("预约日期"), "place": _("评估地点")},
        sample={"name": "陈秀英", "date": "2026年12月3日", "place": "北门路1号"},
    )
    register_daily_reminder("assessments.due", remind_reassessments_due)


def assessment_scheduled(assessment: Any, *, by: Any) -> None:
    """After a schedule (or a re-schedule): notice to the assessors, SMS to the person and family."""
    from yanglao.notices.services import notify
    from yanglao.notices.sms import sms_send

    person = assessment.person
    day = assessment.scheduled_on
    when = f"{day.year}年{day.month}月{day.day}日" if day else ""
    notify([assessment.assessor_1_id, assessment.assessor_2_id], "assessments.assigned",
           title=f"评估派单：{person.name}，{when}",
           body=f"地点：{assessment.place}" if assessment.place else "",
           link=reverse("assessments:detail", args=[assessment.pk]), division_code=assessment.division_code)
    sms_send("assessment_appointment", person=person, context={"date": when, "place": assessment.place or person.address},
             source=f"assessments.assessment:{assessment.pk}")


def remind_reassessments_due(today: dt.date) -> str:
    """One notice per county account with people whose result ends within 7 days and no request yet."""
    from django.db.models import Count, Exists, OuterRef
    from django.db.models.functions import Substr

    from yanglao.notices.services import Recipients, deliver

    from .choices import OPEN_STATES
    from .models import Assessment
    from .selectors import _newest_only, _results

    open_request = Assessment.objects.filter(person_id=OuterRef("person_id"), status__in=OPEN_STATES)
    rows = (_newest_only(_results()).filter(valid_until__gte=today, valid_until__lte=today + dt.timedelta(days=7),
                                            person__status="active")
            .annotate(has_open=Exists(open_request)).filter(has_open=False)
            .annotate(county=Substr("division_code", 1, 6)).order_by().values("county").annotate(n=Count("pk")))
    told = 0
    for row in rows:
        told += deliver(Recipients(capability="assessments.schedule", division_code=row["county"]), "assessments.due",
                        title=f"{row['n']} 人的能力评估将在7天内到期，尚未申请复评",
                        link=reverse("assessments:due"), division_code=row["county"],
                        dedupe_key=f"assessments-due:{row['county']}:{today.isoformat()}")
    return f"复评提醒 {told} 条"
