"""What the waiting list tells people (yanglao/notices): the applicant and family get the bed offer by
SMS with the reply deadline; whoever offered the bed and the home's accounts are told when it is
declined; a daily reminder names offers whose reply deadline is tomorrow or today."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def register() -> None:
    from yanglao.notices.registry import register_daily_reminder, register_notice_kind, register_sms_template

    register_notice_kind("admissions.declined", _("床位安排被放弃"), description=_("申请人放弃安排的床位时通知安排人和机构"))
    register_notice_kind("admissions.deadline", _("床位答复期限将至"), header_label=_("待答复"),
                         description=_("每日提醒：明天或今天到期仍未答复的床位安排"))
    register_sms_template(
        "bed_offer", _("入住床位安排"),
        "{name}您好：{institution}已为您安排床位（{bed}），请于{respond_by}前到机构或致电答复是否入住，逾期视为放弃。申请编号{number}。",
        placeholders={"name": _("老年人姓名"), "institution": _("机构名称"), "bed": _("床位"),
                      "respond_by": _("答复期限"), "number": _("申请编号")},
        sample={"name": "陈秀英", "institution": "阳江市江城区社会福利中心", "bed": "1号楼2层201室1床",
                "respond_by": "2026年12月7日", "number": "RZ20261130001"},
    )
    register_daily_reminder("admissions.deadline", remind_offer_deadlines)


def _queue_link(institution_id: int) -> str:
    return f"{reverse('admissions:list')}?institution={institution_id}"


def bed_offered(offer: Any) -> None:
    from yanglao.notices.sms import sms_send

    app = offer.application
    day = offer.respond_by
    sms_send("bed_offer", person=app.person,
             context={"institution": app.institution.name, "bed": str(offer.bed), "number": app.number,
                      "respond_by": f"{day.year}年{day.month}月{day.day}日"},
             source=f"admissions.offer:{offer.pk}")


def offer_declined(offer: Any, *, by: Any) -> None:
    from yanglao.notices.services import Recipients, notify

    app = offer.application
    institution = app.institution
    notify(Recipients(users=(offer.offered_by_id,), organisation_id=institution.operator_id,
                      capability="admissions.offer", exclude=[by.pk]),
           "admissions.declined", title=f"{app.person.name}放弃了{institution.name}的床位（{offer.bed}）",
           body=f"原因：{offer.decline_reason}" if offer.decline_reason else "",
           link=_queue_link(institution.pk), division_code=offer.division_code)


def remind_offer_deadlines(today: dt.date) -> str:
    from yanglao.notices.services import Recipients, deliver

    from .models import Offer, OfferStatus

    told = 0
    offers = (Offer.objects.filter(status=OfferStatus.PENDING, respond_by__gte=today,
                                   respond_by__lte=today + dt.timedelta(days=1))
              .select_related("application__person", "application__institution", "bed"))
    for offer in offers:
        app = offer.application
        when = "今天" if offer.respond_by == today else "明天"
        told += deliver(Recipients(users=(offer.offered_by_id,), organisation_id=app.institution.operator_id,
                                   capability="admissions.offer"),
                        "admissions.deadline", title=f"{app.person.name}的床位安排{when}到期，尚未答复",
                        body=f"{app.institution.name} {offer.bed}，答复期限 {offer.respond_by:%Y-%m-%d}",
                        link=_queue_link(app.institution_id), division_code=offer.division_code,
                        dedupe_key=f"offer-deadline:{offer.pk}:{today.isoformat()}")
    return f"床位答复提醒 {told} 条"
