"""Text messages to older people and families (bed offers, assessment appointments, suspended allowances).

``sms_send(template, person=…, context={…}, to="both", source="admissions.offer:12")`` renders the city's
template, finds the person's own number and their family's (guardian, emergency contact), and writes one
``SmsMessage`` per distinct number: *queued* and sent by a background job after the caller's transaction
commits, or *opted_out* and never sent. Numbers are stored masked + keyed hash, and encrypted only while
queued. The job retries transient failures with a growing delay up to ``SMS_MAX_ATTEMPTS`` tries.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from yanglao.core import crypto
from yanglao.core.audit import audit_context
from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.idnumber import mask_phone
from yanglao.core.scope import division_in_scope

from .gateways import SmsGateway, SmsPermanentError, SmsTransientError, configured_gateway
from .models import OptOutSource, SmsMessage, SmsOptOut, SmsRecipientKind, SmsStatus, SmsTemplate
from .registry import SMS_TEMPLATES, placeholders_in

log = logging.getLogger("yanglao.sms")

PHONE_PURPOSE = "phone"  # the registry's purpose: an opt-out hash matches people's phone_hash


def phone_hash(phone: str) -> str:
    return crypto.lookup_hash(phone, purpose=PHONE_PURPOSE)


# --------------------------------------------------------------------------- templates


def template_body(key: str) -> str:
    spec = SMS_TEMPLATES.get(key)
    if spec is None:
        raise LookupError(f"未登记的短信模板：{key}")
    saved = SmsTemplate.objects.filter(key=key).values_list("body", flat=True).first()
    return saved or spec.default_body


def render(key: str, context: Mapping[str, Any]) -> str:
    body = template_body(key)
    values = {name: str(context.get(name, "")) for name in placeholders_in(body)}
    return body.format(**values)


def template_save(*, by: Any, key: str, body: str) -> SmsTemplate:
    """The city administrator's wording. Only the template's declared placeholders may be used."""
    if not by.can("notices.sms_templates"):
        raise Forbidden()
    spec = SMS_TEMPLATES.get(key)
    if spec is None:
        raise ValidationFailed("未知的短信模板")
    body = body.strip()
    if not body:
        raise ValidationFailed("短信内容不能为空", details={"body": "请填写短信内容"})
    if len(body) > 300:
        raise ValidationFailed("短信内容过长", details={"body": "不超过300字（约5条短信）"})
    try:
        used = placeholders_in(body)
    except ValueError as exc:
        raise ValidationFailed(str(exc), details={"body": str(exc)}) from exc
    unknown = used - set(spec.placeholders)
    if unknown:
        names = "、".join("{" + n + "}" for n in sorted(unknown))
        raise ValidationFailed(f"模板中有不能使用的占位符：{names}", details={"body": f"不能使用 {names}"})
    with audit_context(by), transaction.atomic():
        row = SmsTemplate.objects.select_for_update().filter(key=key).first() or SmsTemplate(key=key)
        row.body, row.updated_by = body, by
        row.save()
    return row


def template_reset(*, by: Any, key: str) -> None:
    if not by.can("notices.sms_templates"):
        raise Forbidden()
    with audit_context(by), transaction.atomic():
        for row in SmsTemplate.objects.filter(key=key):
            row.delete()


# --------------------------------------------------------------------------- opt-out


def opted_out(person_id: int | None, hashed: str, *, on: dt.date | None = None) -> bool:
    """True when the person asked for no messages at all, or this number asked for none."""
    on = on or timezone.localdate()
    where = Q(phone_hash=hashed)
    if person_id:
        where |= Q(person_id=person_id, phone_hash="")
    return (SmsOptOut.objects.filter(where, opted_out_on__lte=on)
            .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on)).exists())


def _numbers(person: Any) -> list[tuple[str, str, str]]:
    """The person's own number and their family's: (kind, label, phone in clear), distinct numbers only."""
    found: list[tuple[str, str, str]] = []
    if person.phone_enc:
        found.append((SmsRecipientKind.PERSON, "本人", crypto.decrypt(person.phone_enc)))
    for c in person.contacts.order_by("kind", "pk"):
        if c.phone_enc:
            relation = f"（{c.relation}）" if c.relation else ""
            found.append((SmsRecipientKind.FAMILY, f"{c.get_kind_display()} {c.name}{relation}"[:48],
                          crypto.decrypt(c.phone_enc)))
    seen: set[str] = set()
    out = []
    for kind, label, phone in found:
        if phone and phone not in seen:
            seen.add(phone)
            out.append((kind, label, phone))
    return out


def opt_out_record(*, by: Any, person: Any, source: str, on: dt.date | None = None, phone: str = "",
                   note: str = "") -> SmsOptOut:
    """Record that a person (every number) or one number (``phone``: a family member) wants no messages."""
    if not by.can("notices.sms_optout"):
        raise Forbidden()
    if not division_in_scope(by, person.division_code):
        raise Forbidden("该老年人不在您的管辖范围内")
    if source not in OptOutSource.values:
        raise ValidationFailed("请选择退订方式", details={"source": "请选择退订方式"})
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationFailed("退订日期不能晚于今天", details={"opted_out_on": "不能晚于今天"})
    hashed = masked = ""
    if phone:
        from yanglao.core.idnumber import PhoneError, normalise_phone

        try:
            phone = normalise_phone(phone)
        except PhoneError as exc:
            raise ValidationFailed(str(exc), details={"phone": str(exc)}) from exc
        hashed, masked = phone_hash(phone), mask_phone(phone)
    with audit_context(by), transaction.atomic():
        row = SmsOptOut.objects.create(person=person, phone_hash=hashed, phone_masked=masked, opted_out_on=on,
                                       source=source, note=note[:200], recorded_by=by, division_code=person.division_code)
        # what waits to be sent to these numbers is not sent
        waiting = SmsMessage.objects.filter(status=SmsStatus.QUEUED)
        waiting = waiting.filter(phone_hash=hashed) if hashed else waiting.filter(person=person)
        waiting.update(status=SmsStatus.OPTED_OUT, phone_enc="", next_attempt_at=None, error="发送前已退订")
    return row


def opt_out_withdraw(*, by: Any, opt_out: SmsOptOut, on: dt.date | None = None) -> SmsOptOut:
    if not by.can("notices.sms_optout") or not division_in_scope(by, opt_out.division_code):
        raise Forbidden()
    with audit_context(by), transaction.atomic():
        opt_out.withdrawn_on = on or timezone.localdate()
        opt_out.save(update_fields=["withdrawn_on", "updated_at", "version"])
    return opt_out


# --------------------------------------------------------------------------- sending


def sms_send(template: str, *, person: Any, context: Mapping[str, Any], to: str = "both", source: str = "",
             at: dt.datetime | None = None) -> list[SmsMessage]:
    """Queue `template` to the person ("person"), their family ("family") or both; each number that
    opted out gets an ``opted_out`` entry instead. Sending starts after the current transaction commits."""
    text = render(template, {"name": person.name, **context})
    at = at or timezone.now()
    rows = []
    for kind, label, phone in _numbers(person):
        if to != "both" and kind != to:
            continue
        hashed = phone_hash(phone)
        blocked = opted_out(person.pk, hashed)
        rows.append(SmsMessage(
            created_at=at, template=template, person=person, recipient_kind=kind, recipient_label=label,
            phone_masked=mask_phone(phone), phone_hash=hashed, phone_enc="" if blocked else crypto.encrypt(phone),
            body=text, status=SmsStatus.OPTED_OUT if blocked else SmsStatus.QUEUED,
            next_attempt_at=None if blocked else at, error="已退订，未发送" if blocked else "", source=source[:64],
            division_code=person.division_code,
        ))
    SmsMessage.objects.bulk_create(rows)
    queued = [r.pk for r in rows if r.status == SmsStatus.QUEUED and r.pk]
    if queued:
        transaction.on_commit(lambda: _enqueue(queued))
    return rows


def _enqueue(ids: list[int], run_after: dt.datetime | None = None) -> None:
    from .tasks import send_sms

    task = send_sms
    if run_after is not None:
        from django_tasks import default_task_backend

        if not default_task_backend.supports_defer:
            return  # `yanglao sms_dispatch` (cron) picks it up when due
        task = send_sms.using(run_after=run_after)
    for pk in ids:
        try:
            task.enqueue(pk)
        except Exception:  # the dispatcher picks up whatever a broken queue left behind
            log.exception("SMS %s not enqueued; sms_dispatch will send it", pk)


def retry_delay(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after each failed try, at most an hour."""
    return dt.timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def deliver_one(message_id: int, *, gateway: SmsGateway | None = None, now: dt.datetime | None = None) -> SmsMessage | None:
    """Try to send one queued message that is due. Safe to run twice: the row is locked, and a message
    already sent, failed or opted out is left alone."""
    now = now or timezone.now()
    with transaction.atomic():
        msg = SmsMessage.objects.select_for_update().filter(pk=message_id, status=SmsStatus.QUEUED).first()
        if msg is None or (msg.next_attempt_at and msg.next_attempt_at > now):
            return msg
        if opted_out(msg.person_id, msg.phone_hash, on=timezone.localtime(now).date()):
            msg.status, msg.phone_enc, msg.next_attempt_at, msg.error = SmsStatus.OPTED_OUT, "", None, "发送前已退订"
            msg.save(update_fields=["status", "phone_enc", "next_attempt_at", "error"])
            return msg
        gateway = gateway or configured_gateway()
        msg.attempts += 1
        msg.gateway = gateway.name
        retry_at = None
        try:
            result = gateway.send(crypto.decrypt(msg.phone_enc), msg.body, reference=str(msg.pk))
        except SmsTransientError as exc:
            msg.error = str(exc)[:300]
            if msg.attempts >= settings.SMS_MAX_ATTEMPTS:
                msg.status, msg.phone_enc, msg.next_attempt_at = SmsStatus.FAILED, "", None
            else:
                retry_at = msg.next_attempt_at = now + retry_delay(msg.attempts)
        except SmsPermanentError as exc:
            msg.status, msg.phone_enc, msg.next_attempt_at, msg.error = SmsStatus.FAILED, "", None, str(exc)[:300]
        else:
            msg.status, msg.sent_at, msg.gateway_message_id = SmsStatus.SENT, now, result.message_id
            msg.phone_enc, msg.next_attempt_at, msg.error = "", None, ""
        msg.save()
    if msg.status == SmsStatus.FAILED:
        _tell_failed(msg)
    if retry_at is not None:
        pk = msg.pk
        transaction.on_commit(lambda: _enqueue([pk], run_after=retry_at))
    return msg


def _tell_failed(msg: SmsMessage) -> None:
    """The community and township staff of the person phone instead (a failed message is a task)."""
    from yanglao.core.roles import Role

    from .registry import SMS_TEMPLATES
    from .services import Recipients, notify

    if not msg.person_id:
        return
    spec = SMS_TEMPLATES.get(msg.template)
    label = spec.label if spec else msg.template
    notify(Recipients(capability="notices.sms_view", roles=(Role.COMMUNITY_WORKER, Role.TOWNSHIP_STAFF),
                      division_code=msg.division_code),
           "notices.sms_failed", title=f"发给{msg.person.name}（{msg.recipient_label}）的“{label}”短信未能送达，请电话告知",
           body=msg.error, link=f"{reverse('notices:sms_log')}?status=failed", division_code=msg.division_code,
           dedupe_key=f"sms-failed:{msg.pk}")


def dispatch_due(*, now: dt.datetime | None = None, limit: int = 500, gateway: SmsGateway | None = None) -> dict[str, int]:
    """Send every queued message that is due (first tries a broken queue lost, and retries): the
    ``yanglao sms_dispatch`` command, run every few minutes by cron beside the worker."""
    now = now or timezone.now()
    ids = list(SmsMessage.objects.filter(status=SmsStatus.QUEUED).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit])
    counts: dict[str, int] = {}
    gateway = gateway or configured_gateway()
    for pk in ids:
        msg = deliver_one(pk, gateway=gateway, now=now)
        if msg is not None:
            counts[msg.status] = counts.get(msg.status, 0) + 1
    return counts
