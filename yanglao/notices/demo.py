"""Demo messages (演示数据): the real events of the other modules' demo data told through the real calls
(bed offers and a declined one, appointments, suspensions, the runs city2 must approve, the daily
reminders), an SMS log with sent, failed, retrying and opted-out entries (the log gateway: nothing leaves
the machine), and read and unread notices for every demo account. Runs on SQLite too."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Count, Q
from django.utils import timezone

from yanglao.core.errors import DomainError
from yanglao.core.models import User

from .gateways import LogGateway, SmsPermanentError, SmsTransientError
from .models import Notice, SmsMessage, SmsStatus
from .services import deliver
from .sms import deliver_one, dispatch_due, opt_out_record

SURNAMES = "陈李黄林梁张吴王刘杨何冯"
GIVEN = ["志强", "丽娟", "建华", "海燕", "国栋", "美华"]
RELATIONS = ["儿子", "女儿", "儿媳", "侄子"]


class _Refusing:
    name = "http"

    def send(self, phone: str, text: str, *, reference: str):  # noqa: ANN201
        raise SmsPermanentError("短信网关拒绝发送（HTTP 400）：号码已停机")


class _Busy:
    name = "http"

    def send(self, phone: str, text: str, *, reference: str):  # noqa: ANN201
        raise SmsTransientError("短信网关暂不可用（HTTP 503）：系统繁忙")


def _ensure_guardian(person, staff, rng: random.Random) -> None:  # noqa: ANN001
    from yanglao.people.services import contact_add
    from yanglao.people.validation import ContactInput

    if person.contacts.filter(kind="guardian").exists():
        return
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    contact_add(by=staff, person=person, item=ContactInput(kind="guardian", name=name, relation=rng.choice(RELATIONS),
                                                           phone=f"139{rng.randint(10000000, 99999999)}"))


def _offers(rng: random.Random) -> int:
    """A bed offered at three public homes (the family is texted); at the carehome's home one offer was
    declined first (the county is told) and the bed offered again."""
    from yanglao.admissions import services as admissions
    from yanglao.admissions.models import ApplicationStatus
    from yanglao.institutions.models import Bed, BedStatus, Institution

    made = 0
    carehome = User.objects.filter(username="carehome").first()
    homes = Institution.objects.filter(accepts_public_admission=True, applications__status=ApplicationStatus.WAITING)
    for inst in homes.distinct().order_by("-operator_id", "pk")[:3]:
        staff = User.objects.filter(role="county_staff", division_id=inst.division_code[:6]).first()
        queue = admissions.queue(inst)
        bed = Bed.objects.filter(institution=inst, status=BedStatus.VACANT).order_by("pk").first()
        if staff is None or not queue or bed is None:
            continue
        app = queue[0]
        person = app.person
        if not person.phone_enc or person.admission_applications.filter(status=ApplicationStatus.OFFERED).exists():
            continue
        _ensure_guardian(person, staff, rng)
        try:
            offer = admissions.offer_bed(by=staff, application=app, bed=bed)
            if carehome is not None and inst.operator_id and inst.operator_id == carehome.organisation_id:
                admissions.offer_decline(by=carehome, offer=offer, reason="家属希望先在家照护一个月")
                app.refresh_from_db()
                admissions.offer_bed(by=staff, application=app, bed=bed)
            made += 1
        except DomainError:
            continue
    return made


def _scheduled() -> list:
    from yanglao.assessments.models import Assessment

    return list(Assessment.objects.filter(status="scheduled", scheduled_on__isnull=False)
                .filter(Q(assessor_1__username="assessor1") | Q(assessor_2__username="assessor1"))
                .select_related("person").order_by("scheduled_on", "pk")[:4])


def _appointments() -> int:
    """The scheduled assessments of the demo assessors: the assessors' notices and the appointment SMS."""
    from yanglao.assessments.notices import assessment_scheduled

    rows = _scheduled()
    for a in rows:
        assessment_scheduled(a, by=None)
    return len(rows)


def _suspensions() -> int:
    from yanglao.benefits.models import Suspension
    from yanglao.benefits.notices import allowance_suspended

    rows = list(Suspension.objects.filter(person__phone_enc__gt="").select_related("person", "programme")
                .order_by("-from_month", "pk")[:5])
    for s in rows:
        allowance_suspended(s)
    return len(rows)


def _opt_outs(rng: random.Random) -> int:
    """One person about to get an appointment text asked (by phone) for no text messages, so the log shows
    it unsent; one person in 北门社区 asked in writing."""
    from yanglao.people.models import Person

    today = timezone.localdate()
    made = 0
    county = User.objects.filter(username="jiangcheng").first()
    appointment = [a.person for a in _scheduled()[1:2]]
    beimen = User.objects.filter(username="beimen").first()
    nearby = list(Person.objects.filter(division_code__startswith=beimen.scope_prefix or "-", status="active",
                                        phone_enc__gt="").order_by("pk")[:1]) if beimen else []
    for staff, people, source, note, days in (
            (county, appointment, "phone_call", "本人来电：看不懂短信，有事请社区上门告知", 20),
            (beimen, nearby, "written", "书面申请不接收短信", 45)):
        for person in people:
            if staff is None:
                continue
            try:
                opt_out_record(by=staff, person=person, source=source, on=today - dt.timedelta(days=days), note=note)
                made += 1
            except DomainError:
                continue
    return made


def _send(rng: random.Random) -> dict[str, int]:
    """Most are sent by the log gateway; two numbers refused; one gave up after five tries; one waits."""
    from django.conf import settings

    # the failures among appointments and suspensions: the bed offers reach the families
    queued = list(SmsMessage.objects.filter(status=SmsStatus.QUEUED).exclude(template="bed_offer").order_by("-pk")
                  .values_list("pk", flat=True))
    now = timezone.now()
    refused, exhausted, waiting = queued[0:2], queued[2:3], queued[3:4]
    for pk in refused:
        deliver_one(pk, gateway=_Refusing(), now=now)
    for pk in exhausted:
        for attempt in range(settings.SMS_MAX_ATTEMPTS):
            deliver_one(pk, gateway=_Busy(), now=now + dt.timedelta(hours=attempt))
    for pk in waiting:
        deliver_one(pk, gateway=_Busy(), now=now)
    counts = dispatch_due(gateway=LogGateway(), now=now)
    return counts


def _spread(rng: random.Random) -> None:
    """Messages over the last weeks, newest first (one row at a time: a few dozen rows)."""
    now = timezone.now()
    for i, msg in enumerate(SmsMessage.objects.order_by("pk")):
        when = now - dt.timedelta(days=rng.randint(0, 45), hours=rng.randint(0, 8)) if i % 3 else msg.created_at
        SmsMessage.objects.filter(pk=msg.pk).update(
            created_at=when, sent_at=when + dt.timedelta(seconds=rng.randint(2, 40)) if msg.sent_at else None)


MAINTENANCE = ("notices.system", "12月1日22:00–23:00 平台例行维护，期间暂停服务", "")
ROLE_NOTICES = {
    # what else each demo account has been told, so that every role sees read and unread messages
    "city": [("imports.finished_with_errors", "导入“阳江市2026年第三季度高龄名单.xlsx”完成，12 行有错误", "/people/import/"),
             MAINTENANCE, ("notices.system", "2027年度高龄津贴标准调整意见征集已开始", "")],
    "city2": [MAINTENANCE, ("notices.system", "2027年度高龄津贴标准调整意见征集已开始", "")],
    "jiangcheng": [("imports.finished_with_errors", "导入“南恩街道老年人花名册.xlsx”完成，3 行有错误", "/people/import/"),
                   ("notices.system", "《阳江市养老服务补贴发放办法》修订稿已上传，请于12月10日前反馈意见", ""), MAINTENANCE],
    "yangdong": [("imports.finished_with_errors", "导入“合山镇新增高龄老人.xlsx”有错误行，未导入任何数据", "/people/import/"),
                 MAINTENANCE, ("notices.system", "请于12月10日前报送本区第四季度养老服务统计", "")],
    "yangxi": [("imports.finished_with_errors", "导入“织篢镇高龄名单.xlsx”完成，5 行有错误", "/people/import/"),
               MAINTENANCE, ("notices.system", "请于12月10日前报送本县第四季度养老服务统计", "")],
    "yangchun": [("imports.finished_with_errors", "导入“春城街道新增名单.xlsx”完成，1 行有错误", "/people/import/"),
                 MAINTENANCE, ("notices.system", "请于12月10日前报送本市第四季度养老服务统计", "")],
    "nanen": [("imports.finished_with_errors", "导入“南恩街道11月新增名单.xlsx”完成，2 行有错误", "/people/import/"),
              ("notices.system", "请于本月25日前完成辖区生存认证核对", ""), MAINTENANCE],
    "beimen": [("notices.sms_failed", "发给北门社区一位老人家属的“津贴暂停发放”短信未能送达，请电话告知", "/notices/sms/?status=failed"),
               ("notices.system", "请于本月25日前完成辖区独居老人探访登记", ""), MAINTENANCE],
    "assessor1": [("notices.system", "评估员年度复训：12月8日上午9:00 市民政局三楼会议室", ""), MAINTENANCE],
    "assessor2": [("notices.system", "评估员年度复训：12月8日上午9:00 市民政局三楼会议室", ""), MAINTENANCE],
    "inspector": [("notices.system", "本季度“双随机、一公开”抽查计划已发布", "/supervision/"), MAINTENANCE,
                  ("notices.system", "请于12月20日前录入本季度检查结果", "")],
    "auditor": [("notices.system", "11月安全事件周报已生成", "/audit/"), MAINTENANCE,
                ("notices.system", "第三季度审计发现整改情况已汇总", "")],
    "carehome": [("notices.system", "请于12月15日前更新机构床位和收住信息", "/institutions/"), MAINTENANCE,
                 ("notices.system", "冬季防火安全检查将于12月中旬开展", "")],
    "provider": [("notices.system", "11月服务结算已完成复核，请核对", "/homecare/"), MAINTENANCE,
                 ("notices.system", "冬季上门服务安全提示已发布", "")],
    # the responsible units of the 40 policy tasks (政策督办)
    "ziranziyuan": [("notices.system", "请于每月5日前报送牵头任务上月进展", "/policytasks/"), MAINTENANCE,
                    ("notices.system", "新建住宅小区配建养老服务用房核查工作会议将于12月9日召开", "")],
    "weijian": [("notices.system", "请于每月5日前报送牵头任务上月进展", "/policytasks/"), MAINTENANCE,
                ("notices.system", "医养结合机构名单年度更新已开始", "")],
    "renshe": [("notices.system", "请于每月5日前报送牵头任务上月进展", "/policytasks/"), MAINTENANCE,
               ("notices.system", "养老护理员职业技能等级认定12月批次报名已开始", "")],
}


def _role_notices(rng: random.Random) -> None:
    from yanglao.core.links import can_open

    now = timezone.now()
    for username, items in ROLE_NOTICES.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        for i, (kind, title, link) in enumerate(items):
            if link and not can_open(user, link):
                link = ""
            deliver([user], kind, title=title, link=link, at=now - dt.timedelta(days=3 + 9 * i, hours=rng.randint(0, 6)),
                    dedupe_key=f"demo:{username}:{i}")
    # the older ones have been read; each account keeps its newest unread, and at least one read
    from yanglao.benefits.models import PaymentRun

    preview = {str(pk) for pk in PaymentRun.objects.filter(status="preview").values_list("pk", flat=True)}
    for user in User.objects.filter(notices__isnull=False).distinct():
        rows = list(Notice.objects.filter(recipient=user).order_by("-created_at", "-id"))
        for i, n in enumerate(rows):
            key = n.dedupe_key.split(":")
            run = n.kind == "benefits.run_ready" and len(key) > 1
            if (run and key[1] not in preview) or (i >= 2 and not (run and key[1] in preview)):
                Notice.objects.filter(pk=n.pk).update(read_at=n.created_at + dt.timedelta(hours=rng.randint(1, 30)))
        mine = Notice.objects.filter(recipient=user)
        if len(rows) >= 2 and not mine.filter(read_at__isnull=False).exists():
            oldest = rows[-1]
            mine.filter(pk=oldest.pk).update(read_at=oldest.created_at + dt.timedelta(hours=2))
        if not mine.filter(read_at__isnull=True).exists():
            mine.filter(pk=rows[0].pk).update(read_at=None)


def load_demo(*, seed: int) -> str:
    if SmsMessage.objects.exists():
        return "消息演示数据已存在，未重复生成"
    rng = random.Random(seed + 21)
    opted = _opt_outs(rng)
    offers = _offers(rng)
    appointments = _appointments()
    suspensions = _suspensions()
    counts = _send(rng)
    _spread(rng)
    from .deadlines import run_daily

    run_daily()
    _role_notices(rng)
    by_status = dict(SmsMessage.objects.order_by().values_list("status").annotate(n=Count("pk")))
    unread = Notice.objects.filter(read_at__isnull=True).count()
    return (f"消息：床位安排 {offers} 个、评估预约 {appointments} 个、停发 {suspensions} 个、退订 {opted} 人；"
            f"短信 已发送 {by_status.get('sent', 0)}、失败 {by_status.get('failed', 0)}、待重试 {by_status.get('queued', 0)}、"
            f"退订未发 {by_status.get('opted_out', 0)} 条（本次发送 {sum(counts.values())} 条）；站内信未读 {unread} 条")
