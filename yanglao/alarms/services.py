"""Writes of the alarms module: devices, alarm ingest (idempotent), and the handling of incidents."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from yanglao.core import crypto
from yanglao.core.audit import AuditActor, audit_bulk, audit_context, audit_sensitive_view
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.scope import division_in_scope
from yanglao.people.choices import Status as PersonStatus
from yanglao.people.models import Contact, Person

from . import conf
from .choices import (
    DEVICE_DEFAULT_KIND,
    EMERGENCY_KINDS,
    UNACKNOWLEDGED_STATES,
    AlarmKind,
    DeviceKind,
    IncidentState,
    Outcome,
    ResponderKind,
    StepKind,
)
from .models import Alarm, Device, Incident, IncidentStep

log = logging.getLogger("yanglao.alarms")

INGEST_ACTOR = AuditActor(user_id=None, username="alarm-ingest", role="system")
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)


def _require(user: Any, capability: str, division_code: str) -> None:
    if not user.can(capability):
        raise Forbidden()
    if not division_in_scope(user, division_code):
        raise NotFound()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---- devices ----------------------------------------------------------------------------------------

def device_register(*, by: Any, person: Person, kind: str, code: str, address: str = "",
                    installed_on: dt.date | None = None, notes: str = "") -> tuple[Device, str]:
    """Register a device to a person and their home; returns the device and its HTTP token (shown once)."""
    _require(by, "alarms.devices", person.division_code)
    code = code.strip().upper()
    if not code:
        raise ValidationFailed("请填写设备编号", details={"code": "请填写设备编号"})
    if person.status != PersonStatus.ACTIVE:
        raise ValidationFailed("该老年人档案不是在册状态，不能登记设备")
    if Device.objects.filter(code=code).exists():
        raise ValidationFailed(f"设备编号 {code} 已登记", details={"code": "该设备编号已登记"})
    token = secrets.token_urlsafe(24)
    with audit_context(by), transaction.atomic():
        device = Device.objects.create(
            code=code, kind=kind, person=person, address=(address or person.address or "").strip()[:200] or "—",
            installed_on=installed_on or timezone.localdate(), notes=notes, token_hash=token_digest(token),
            division_code=person.division_code)
    return device, token


def device_new_token(*, by: Any, device: Device) -> str:
    """A new HTTP token for the device (the old one stops working)."""
    _require(by, "alarms.devices", device.division_code)
    token = secrets.token_urlsafe(24)
    with audit_context(by):
        device.token_hash = token_digest(token)
        device.save(update_fields=["token_hash"])
    return token


def device_set_active(*, by: Any, device: Device, active: bool) -> Device:
    _require(by, "alarms.devices", device.division_code)
    with audit_context(by):
        device.active = active
        device.save(update_fields=["active"])
    return device


def device_for_token(token: str) -> Device | None:
    if not token or len(token) > 100:
        return None
    return Device.objects.filter(token_hash=token_digest(token), active=True).first()


# ---- ingest -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Incoming:
    """One message from a device, whatever way it came: its device code and its own message id."""

    device_code: str
    message_id: str
    channel: str
    kind: str | None = None
    raised_at: dt.datetime | None = None


@dataclass(frozen=True)
class IngestResult:
    status: str  # "new", "duplicate", "unknown_device"
    alarm_id: int | None = None
    incident_id: int | None = None


def _insert_alarms(rows: Sequence[tuple[int, str, str, str, dt.datetime, str]], now: dt.datetime) -> dict[tuple[int, str], int]:
    """One INSERT … ON CONFLICT DO NOTHING RETURNING for the batch: the (device, message) pairs new to the
    database and their ids. A pair already stored (a redelivery) returns nothing, whatever the channel."""
    if not rows:
        return {}
    table = Alarm._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    params: list[Any] = []
    for device_id, message_id, kind, channel, raised_at, division_code in rows:
        params += [device_id, message_id, kind, channel, raised_at, now, division_code]
    sql = (f"INSERT INTO {table} (device_id, message_id, kind, channel, raised_at, received_at, division_code) "
           f"VALUES {values} ON CONFLICT (device_id, message_id) DO NOTHING RETURNING id, device_id, message_id")
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return {(int(r[1]), str(r[2])): int(r[0]) for r in cur.fetchall()}


def _open_incident(device: Device, kind: str, raised_at: dt.datetime, count: int, now: dt.datetime) -> tuple[Incident, bool]:
    """The device's incident not yet closed (locked), or a new one. The partial unique index
    one_open_incident_per_device settles a race between two ingesters: the loser joins the winner's."""
    for _attempt in range(3):
        incident = Incident.objects.select_for_update().filter(device=device).exclude(state=IncidentState.CLOSED).first()
        if incident is not None:
            incident.alarm_count += count
            incident.save(update_fields=["alarm_count"])
            return incident, False
        try:
            with transaction.atomic():
                incident = Incident.objects.create(
                    device=device, person_id=device.person_id, kind=kind, emergency=kind in EMERGENCY_KINDS,
                    opened_at=min(raised_at, now), alarm_count=count, division_code=device.division_code)
            return incident, True
        except IntegrityError:
            continue
    raise Conflict("报警并发冲突，请重试")


def _new_incidents(firsts: dict[int, tuple[Device, str, dt.datetime, int]], now: dt.datetime) -> dict[int, int]:
    """One INSERT for the devices without an incident open: {device id: new incident id}. A device whose
    insert met the partial unique index (another ingester opened one meanwhile) is left out, to be joined."""
    if not firsts:
        return {}
    table = Incident._meta.db_table
    cols = ("created_at, updated_at, version, device_id, person_id, kind, emergency, state, opened_at, alarm_count, "
            "responder_kind, responder_name, outcome, follow_up_note, division_code")
    values = ", ".join(["(%s, %s, 1, %s, %s, %s, %s, %s, %s, %s, '', '', '', '', %s)"] * len(firsts))
    params: list[Any] = []
    for device, kind, opened, count in firsts.values():
        params += [now, now, device.pk, device.person_id, kind, kind in EMERGENCY_KINDS, IncidentState.OPEN,
                   min(opened, now), count, device.division_code]
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {table} ({cols}) VALUES {values} ON CONFLICT DO NOTHING RETURNING id, device_id", params)
        return {int(r[1]): int(r[0]) for r in cur.fetchall()}


def ingest(items: Iterable[Incoming], *, now: dt.datetime | None = None) -> list[IngestResult]:
    """Store a batch of device messages in one transaction and open or join incidents, set-based: a
    handful of statements per batch whatever its size (the insert of the alarms, the lock and update of
    the incidents already open, the insert of new ones, the link, the steps, one audit line).

    Idempotent: a message whose (device, message id) is already stored is a duplicate and changes nothing,
    so the subscriber may acknowledge to the broker only after this commits, and a redelivery after a
    crash is harmless. Unknown or disabled devices are reported, not stored."""
    items = list(items)
    now = now or timezone.now()
    with audit_context(actor=INGEST_ACTOR), transaction.atomic():
        devices = {d.code: d for d in Device.objects.filter(code__in={i.device_code for i in items}, active=True)}
        rows: list[tuple[int, str, str, str, dt.datetime, str]] = []
        seen: set[tuple[int, str]] = set()
        for item in items:
            device = devices.get(item.device_code)
            if device is None or (device.pk, item.message_id) in seen:
                continue
            seen.add((device.pk, item.message_id))
            kind = item.kind if item.kind in AlarmKind.values else DEVICE_DEFAULT_KIND[device.kind]
            raised = item.raised_at or now
            if raised > now + MAX_CLOCK_SKEW or raised < now - dt.timedelta(days=7):
                raised = now  # a device clock far off is not trusted: the platform's time is used
            rows.append((device.pk, item.message_id, kind, item.channel, raised, device.division_code))
        new_ids = _insert_alarms(rows, now)
        by_device: dict[int, list[tuple[int, str, str, dt.datetime]]] = defaultdict(list)
        for device_id, message_id, kind, channel, raised, _div in rows:
            alarm_id = new_ids.get((device_id, message_id))
            if alarm_id is not None:
                by_device[device_id].append((alarm_id, kind, channel, raised))
        for alarms in by_device.values():
            alarms.sort(key=lambda a: (a[3], a[0]))
        device_by_id = {d.pk: d for d in devices.values()}
        incident_of_device: dict[int, int] = {}
        created: set[int] = set()
        if by_device:
            open_now = dict(Incident.objects.select_for_update().filter(device_id__in=list(by_device))
                            .exclude(state=IncidentState.CLOSED).values_list("device_id", "pk"))
            firsts = {d: (device_by_id[d], a[0][1], a[0][3], len(a)) for d, a in by_device.items() if d not in open_now}
            made = _new_incidents(firsts, now)
            incident_of_device.update(made)
            created.update(made.values())
            for device_id in firsts.keys() - made.keys():  # lost a race: join the winner's incident
                alarms = by_device[device_id]
                incident, _new = _open_incident(device_by_id[device_id], alarms[0][1], alarms[0][3], len(alarms), now)
                incident_of_device[device_id] = incident.pk
            if open_now:
                table = Incident._meta.db_table
                values = ", ".join(["(%s, %s)"] * len(open_now))
                params: list[Any] = [x for d, pk in open_now.items() for x in (pk, len(by_device[d]))]
                with connection.cursor() as cur:
                    cur.execute(f"UPDATE {table} SET alarm_count = {table}.alarm_count + v.column2, "
                                f"version = {table}.version + 1, updated_at = %s "
                                f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1", [now, *params])
                incident_of_device.update(open_now)
            link = ", ".join(["(%s, %s)"] * sum(len(a) for a in by_device.values()))
            link_params = [x for d, alarms in by_device.items() for a in alarms for x in (a[0], incident_of_device[d])]
            table = Alarm._meta.db_table
            with connection.cursor() as cur:
                cur.execute(f"UPDATE {table} SET incident_id = v.column2 FROM (VALUES {link}) AS v "
                            f"WHERE {table}.id = v.column1", link_params)  # VALUES columns: column1, column2
            labels = dict(_channel_labels())
            kind_labels = {k.value: str(k.label) for k in AlarmKind}
            device_labels = {k.value: str(k.label) for k in DeviceKind}
            steps = []
            for device_id, alarms in by_device.items():
                device = device_by_id[device_id]
                incident_id = incident_of_device[device_id]
                for n, (_alarm_id, kind, channel, raised) in enumerate(alarms):
                    step_kind = StepKind.ALARM if incident_id in created and n == 0 else StepKind.REPEAT
                    steps.append(IncidentStep(incident_id=incident_id, at=raised, kind=step_kind,
                                              text=f"{kind_labels[kind]}（{device_labels[device.kind]} {device.code}，"
                                                   f"{labels[channel]}）"))
            IncidentStep.objects.bulk_create(steps)
            audit_bulk(Incident, operation="alarm_ingest", count=len(new_ids),
                       params={"alarms": len(new_ids), "incidents_opened": len(created),
                               "incidents_joined": len(by_device) - len(created)})
    results: list[IngestResult] = []
    duplicates = [(devices[i.device_code].pk, i.message_id) for i in items
                  if i.device_code in devices and (devices[i.device_code].pk, i.message_id) not in new_ids]
    stored: dict[tuple[int, str], tuple[int, int | None]] = {}
    if duplicates:
        for pk, device_id, message_id, incident_id in Alarm.objects.filter(
                device_id__in={d for d, _m in duplicates}, message_id__in={m for _d, m in duplicates}).values_list(
                "pk", "device_id", "message_id", "incident_id"):
            stored[(device_id, message_id)] = (pk, incident_id)
    reported: set[tuple[int, str]] = set()
    for item in items:
        device = devices.get(item.device_code)
        if device is None:
            results.append(IngestResult("unknown_device"))
            continue
        key = (device.pk, item.message_id)
        if key in new_ids and key not in reported:
            reported.add(key)
            results.append(IngestResult("new", new_ids[key], incident_of_device.get(device.pk)))
        else:
            pk, incident_id = stored.get(key, (new_ids.get(key), incident_of_device.get(device.pk)))
            results.append(IngestResult("duplicate", pk, incident_id))
    return results


def _channel_labels() -> list[tuple[str, Any]]:
    from .choices import Channel

    return [(c.value, str(c.label)) for c in Channel]


def escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Incidents not acknowledged within conf.ack_seconds() become 超时未响应（已升级）: set-based, with one
    step each and one audit line for the batch. Run by the subscriber, the simulator and `yanglao
    alarm_escalate` (the worker's schedule); the console and the to-do also show overdue ones at once."""
    now = now or timezone.now()
    limit = now - dt.timedelta(seconds=conf.ack_seconds())
    with transaction.atomic():
        ids = list(Incident.objects.select_for_update(skip_locked=True)
                   .filter(state=IncidentState.OPEN, opened_at__lt=limit).values_list("pk", flat=True))
        if not ids:
            return 0
        Incident.objects.filter(pk__in=ids).update(state=IncidentState.ESCALATED, escalated_at=now)
        text = f"超过 {conf.ack_seconds() // 60} 分钟未响应，已升级至上级值班"
        IncidentStep.objects.bulk_create([IncidentStep(incident_id=i, at=now, kind=StepKind.ESCALATE, text=text)
                                          for i in ids])
        audit_bulk(Incident, operation="escalate", count=len(ids), params={"ack_seconds": conf.ack_seconds()})
    return len(ids)


# ---- handling ---------------------------------------------------------------------------------------

def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _step(incident: Incident, by: Any, kind: str, text: str = "", at: dt.datetime | None = None) -> IncidentStep:
    return IncidentStep.objects.create(incident=incident, by=by, kind=kind, text=text[:500], at=at or timezone.now())


def acknowledge(*, by: Any, incident: Incident) -> Incident:
    """The operator takes the incident: the clock of time-to-acknowledge stops."""
    _require(by, "alarms.handle", incident.division_code)
    with audit_context(by), transaction.atomic():
        incident = _locked(incident)
        if incident.state not in UNACKNOWLEDGED_STATES:
            raise Conflict("该事件已由他人响应")
        now = timezone.now()
        incident.state, incident.acknowledged_at, incident.acknowledged_by = IncidentState.ACKNOWLEDGED, now, by
        incident.save(update_fields=["state", "acknowledged_at", "acknowledged_by"])
        _step(incident, by, StepKind.ACKNOWLEDGE, f"{_who(by)}已响应", now)
    return incident


def _who(user: Any) -> str:
    name = getattr(user, "display_name", None)
    return str(name() if callable(name) else name or user)


def _require_acknowledged(incident: Incident) -> None:
    if incident.state in UNACKNOWLEDGED_STATES:
        raise Conflict("请先响应该事件")
    if incident.state == IncidentState.CLOSED:
        raise Conflict("该事件已结案")


def phone_for_call(*, by: Any, incident: Incident, contact_id: int | None) -> str:
    """The full phone of the person (contact_id None) or one of their contacts, to call: a reveal, audited
    with its reason, and a step in the incident's log."""
    _require(by, "alarms.handle", incident.division_code)
    person = incident.person
    if contact_id is None:
        target, enc, who = person, person.phone_enc, f"{person.name}（本人）"
    else:
        contact = Contact.objects.filter(pk=contact_id, person_id=person.pk).first()
        if contact is None:
            raise NotFound("没有该联系人")
        target, enc, who = contact, contact.phone_enc, f"{contact.name}（{contact.relation or contact.get_kind_display()}）"
    if not enc:
        raise NotFound("未登记电话")
    with audit_context(by), transaction.atomic():
        audit_sensitive_view(target, fields=["phone"], reveal=True, reason=f"紧急救援事件 {incident.number} 拨打电话",
                             division_code=incident.division_code)
        _step(incident, by, StepKind.CALL, f"拨打 {who}")
    return crypto.decrypt(enc)


def dispatch(*, by: Any, incident: Incident, responder_kind: str, responder_name: str, note: str = "") -> Incident:
    _require(by, "alarms.handle", incident.division_code)
    if responder_kind not in ResponderKind.values:
        raise ValidationFailed("请选择处置人员类型", details={"responder_kind": "请选择处置人员类型"})
    name = (responder_name or "").strip() or (ResponderKind(responder_kind).label if responder_kind == "120" else "")
    if not name:
        raise ValidationFailed("请填写处置人员", details={"responder_name": "请填写处置人员"})
    with audit_context(by), transaction.atomic():
        incident = _locked(incident)
        _require_acknowledged(incident)
        now = timezone.now()
        incident.responder_kind, incident.responder_name = responder_kind, name[:64]
        fields = ["responder_kind", "responder_name"]
        if incident.state == IncidentState.ACKNOWLEDGED:
            incident.state, incident.dispatched_at = IncidentState.DISPATCHED, now
            fields += ["state", "dispatched_at"]
        incident.save(update_fields=fields)
        text = f"派遣{ResponderKind(responder_kind).label}：{name}"
        _step(incident, by, StepKind.DISPATCH, f"{text}。{note}" if note else text, now)
    return incident


def arrive(*, by: Any, incident: Incident, note: str = "") -> Incident:
    _require(by, "alarms.handle", incident.division_code)
    with audit_context(by), transaction.atomic():
        incident = _locked(incident)
        if incident.state != IncidentState.DISPATCHED:
            raise Conflict("只有已派遣的事件可以登记到场")
        now = timezone.now()
        incident.state, incident.arrived_at = IncidentState.ARRIVED, now
        incident.save(update_fields=["state", "arrived_at"])
        _step(incident, by, StepKind.ARRIVE, f"{incident.responder_name}已到场。{note}".rstrip("。") if note
              else f"{incident.responder_name}已到场", now)
    return incident


def add_note(*, by: Any, incident: Incident, text: str) -> IncidentStep:
    _require(by, "alarms.handle", incident.division_code)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("请填写记录内容", details={"text": "请填写记录内容"})
    with audit_context(by):
        return _step(incident, by, StepKind.NOTE, text)


def close(*, by: Any, incident: Incident, outcome: str, note: str = "") -> Incident:
    """Closure with its outcome. A false alarm may be closed once acknowledged; any other outcome needs
    a responder dispatched. Every closed incident then waits for its follow-up (回访)."""
    _require(by, "alarms.handle", incident.division_code)
    if outcome not in Outcome.values:
        raise ValidationFailed("请选择处置结果", details={"outcome": "请选择处置结果"})
    with audit_context(by), transaction.atomic():
        incident = _locked(incident)
        _require_acknowledged(incident)
        if incident.state == IncidentState.ACKNOWLEDGED and outcome not in (Outcome.FALSE_ALARM, Outcome.NO_ANSWER_SAFE,
                                                                             Outcome.SERVICE_DONE):
            raise Conflict("尚未派遣处置人员，只能以“误报”“经核实安全”或“服务已提供”结案")
        now = timezone.now()
        incident.state, incident.outcome, incident.closed_at, incident.closed_by = IncidentState.CLOSED, outcome, now, by
        incident.save(update_fields=["state", "outcome", "closed_at", "closed_by"])
        text = f"结案：{Outcome(outcome).label}"
        _step(incident, by, StepKind.CLOSE, f"{text}。{note}" if note else text, now)
    return incident


def follow_up(*, by: Any, incident: Incident, note: str) -> Incident:
    """The follow-up every incident needs after closure (a call or a visit: how the person is now)."""
    _require(by, "alarms.handle", incident.division_code)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请填写回访情况", details={"note": "请填写回访情况"})
    with audit_context(by), transaction.atomic():
        incident = _locked(incident)
        if incident.state != IncidentState.CLOSED:
            raise Conflict("事件结案后才能回访")
        if incident.followed_up_at is not None:
            raise Conflict("该事件已回访")
        now = timezone.now()
        incident.followed_up_at, incident.followed_up_by, incident.follow_up_note = now, by, note[:500]
        incident.save(update_fields=["followed_up_at", "followed_up_by", "follow_up_note"])
        _step(incident, by, StepKind.FOLLOW_UP, note, now)
    return incident
