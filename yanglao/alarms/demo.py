"""Demo data of the alarms module (演示数据): devices in older people's homes across the four counties, and
incidents over the last six months in every state — new and escalated ones on the duty console, some
being handled, closed ones waiting for their follow-up, most closed and followed up — so the console,
the lists and the figures all show something. `yanglao alarm_simulate` and the console's 模拟 button add
live ones."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yanglao.core.audit import audit_bulk
from yanglao.core.models import Organisation, OrganisationKind, User
from yanglao.people.models import Person

from .choices import (
    DEVICE_DEFAULT_KIND,
    EMERGENCY_KINDS,
    AlarmKind,
    Channel,
    DeviceKind,
    IncidentState,
    Outcome,
    ResponderKind,
    StepKind,
)
from .models import Alarm, Device, Incident, IncidentStep
from .services import token_digest

PREFIX = {DeviceKind.RED_BUTTON: "RB", DeviceKind.GREEN_BUTTON: "GB", DeviceKind.FALL: "FD", DeviceKind.SMOKE: "SM",
          DeviceKind.GAS: "GS", DeviceKind.DOOR: "DM", DeviceKind.ACTIVITY: "AC", DeviceKind.APP: "APP"}
FOLLOW_UPS = ["电话回访：老人情况稳定，家属已到家陪护", "上门回访：老人已出院在家休养，需助餐服务，已转居家服务",
              "电话回访：老人表示误按，已再次讲解按钮用法", "上门回访：烟雾报警系厨房煮粥所致，已提醒用火安全",
              "电话回访：燃气阀已更换，老人安好"]
NOTES = ["已电话联系老人，无应答，立即派人上门", "老人称在卫生间滑倒，意识清醒", "家属已在赶来途中",
         "老人请求代购药品", "已联系社区网格员核实情况"]


def _people(limit: int) -> list[Person]:
    """Older people most likely to have a call button: living alone or empty-nest first, every county."""
    chosen: list[Person] = []
    for county in ("441702", "441704", "441721", "441781"):
        qs = (Person.objects.filter(division_code__startswith=county, status="active")
              .filter(Q(living_situation__in=["alone", "empty_nest"]) | Q(categories__category__in=["tekun", "dibao"]))
              .distinct().order_by("pk"))
        chosen += list(qs[: limit // 4])
    return chosen


def load_demo(*, seed: int) -> str:
    if Device.objects.exists():
        return "紧急救援演示数据已存在，未重复生成"
    rng = random.Random(seed + 11)
    people = _people(400)
    if not people:
        return "紧急救援：没有老年人档案，未生成演示数据"
    now = timezone.now()
    devices: list[Device] = []
    n = 0
    for p in people:
        kinds = [DeviceKind.RED_BUTTON]
        kinds += rng.sample([DeviceKind.GREEN_BUTTON, DeviceKind.FALL, DeviceKind.SMOKE, DeviceKind.GAS, DeviceKind.DOOR,
                             DeviceKind.ACTIVITY, DeviceKind.APP], k=rng.randint(0, 2))
        for kind in kinds:
            n += 1
            devices.append(Device(
                code=f"YJ-{PREFIX[kind]}-{n:06d}", kind=kind, person=p, address=p.address or "—",
                installed_on=(now - dt.timedelta(days=rng.randint(200, 900))).date(), division_code=p.division_code,
                token_hash=token_digest(f"demo-token-{n}") if kind == DeviceKind.APP else ""))
    with transaction.atomic():
        Device.objects.bulk_create(devices, batch_size=500)
        devices = list(Device.objects.select_related("person").order_by("pk"))
        made = _incidents(devices, rng, now)
        audit_bulk(Device, operation="demo", count=len(devices))
    return f"紧急救援：设备 {len(devices)} 台，救援事件 {made} 件（近6个月，含各处置状态）"


def _responder(device: Device, rng: random.Random, workers: dict[str, str], providers: dict[str, str]) -> tuple[str, str]:
    code = device.division_code
    options = [(ResponderKind.FAMILY, "家属")]
    if code[:9] in workers:
        options.append((ResponderKind.COMMUNITY, workers[code[:9]]))
    if code[:6] in providers:
        options.append((ResponderKind.PROVIDER, providers[code[:6]]))
    if rng.random() < 0.15:
        return ResponderKind.EMERGENCY_120, "120急救中心"
    return rng.choice(options)


def _incidents(devices: list[Device], rng: random.Random, now: dt.datetime) -> int:
    handlers = {u.division_id[:6]: u for u in User.objects.filter(role="county_staff").order_by("pk")}
    workers = {str(u.division_id)[:9]: u.display_name for u in User.objects.filter(role="community_worker")}
    providers = {o.division_code[:6]: o.name for o in Organisation.objects.filter(kind=OrganisationKind.PROVIDER)}
    plan: list[tuple[Device, dt.datetime, str]] = []
    for d in devices:  # history: most devices went off once or twice in six months
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3]) if d.kind != DeviceKind.ACTIVITY else rng.choice([0, 1])):
            plan.append((d, now - dt.timedelta(days=rng.uniform(2, 180)), IncidentState.CLOSED))
    live = rng.sample(devices, k=min(len(devices), 14))
    live_states = [IncidentState.OPEN, IncidentState.OPEN, IncidentState.ESCALATED, IncidentState.ACKNOWLEDGED,
                   IncidentState.ACKNOWLEDGED, IncidentState.DISPATCHED, IncidentState.DISPATCHED, IncidentState.ARRIVED,
                   IncidentState.ARRIVED, IncidentState.CLOSED, IncidentState.CLOSED, IncidentState.CLOSED,
                   IncidentState.CLOSED, IncidentState.CLOSED]
    for d, state in zip(live, live_states, strict=False):
        minutes = {IncidentState.OPEN: rng.uniform(0.3, 1.5), IncidentState.ESCALATED: rng.uniform(6, 12)}.get(
            state, rng.uniform(8, 90) if state != IncidentState.CLOSED else rng.uniform(180, 2400))
        plan.append((d, now - dt.timedelta(minutes=minutes), state if state != IncidentState.CLOSED else "closed-pending"))
    made = 0
    serial = 0
    for device, opened, state in sorted(plan, key=lambda x: x[1]):
        pending_follow_up = state == "closed-pending"
        state = IncidentState.CLOSED if pending_follow_up else state
        if state != IncidentState.CLOSED and Incident.objects.filter(device=device).exclude(state="closed").exists():
            continue
        kind = DEVICE_DEFAULT_KIND[device.kind]
        handler = handlers.get(device.division_code[:6])
        inc = Incident(device=device, person=device.person, kind=kind, emergency=kind in EMERGENCY_KINDS, state=state,
                       opened_at=opened, division_code=device.division_code, alarm_count=rng.choice([1, 1, 1, 2, 3]))
        steps = [(opened, StepKind.ALARM, None, f"{AlarmKind(kind).label}（{device.get_kind_display()} {device.code}，物联网）")]
        t = opened
        if state == IncidentState.ESCALATED:
            inc.escalated_at = opened + dt.timedelta(minutes=3)
            steps.append((inc.escalated_at, StepKind.ESCALATE, None, "超过 3 分钟未响应，已升级至上级值班"))
        if state not in (IncidentState.OPEN, IncidentState.ESCALATED):
            t = opened + dt.timedelta(seconds=rng.lognormvariate(3.8, 0.6))
            inc.acknowledged_at, inc.acknowledged_by = t, handler
            steps.append((t, StepKind.ACKNOWLEDGE, handler, "值班员已响应"))
            t += dt.timedelta(seconds=rng.uniform(20, 90))
            steps.append((t, StepKind.CALL, handler, f"拨打 {device.person.name}（本人）"))
            false_alarm = rng.random() < 0.25 and state == IncidentState.CLOSED
            if not false_alarm and state != IncidentState.ACKNOWLEDGED:
                t += dt.timedelta(seconds=rng.uniform(30, 120))
                rk, rn = _responder(device, rng, workers, providers)
                inc.dispatched_at, inc.responder_kind, inc.responder_name = t, rk, rn
                inc.state = IncidentState.DISPATCHED if state == IncidentState.DISPATCHED else inc.state
                steps.append((t, StepKind.DISPATCH, handler, f"派遣{ResponderKind(rk).label}：{rn}"))
                if state in (IncidentState.ARRIVED, IncidentState.CLOSED):
                    t += dt.timedelta(seconds=rng.lognormvariate(6.6, 0.5))
                    inc.arrived_at = t
                    steps.append((t, StepKind.ARRIVE, handler, f"{rn}已到场"))
                    if rng.random() < 0.5:
                        steps.append((t + dt.timedelta(minutes=2), StepKind.NOTE, handler, rng.choice(NOTES)))
            if state == IncidentState.CLOSED:
                t += dt.timedelta(minutes=rng.uniform(5, 60))
                if false_alarm:
                    outcome = Outcome.FALSE_ALARM
                elif kind == AlarmKind.SERVICE:
                    outcome = Outcome.SERVICE_DONE
                else:
                    outcome = rng.choice([Outcome.RESOLVED_HOME, Outcome.RESOLVED_HOME, Outcome.HOSPITAL, Outcome.NO_ANSWER_SAFE])
                inc.outcome, inc.closed_at, inc.closed_by = outcome, t, handler
                steps.append((t, StepKind.CLOSE, handler, f"结案：{Outcome(outcome).label}"))
                if not pending_follow_up and rng.random() < 0.93:
                    t += dt.timedelta(days=rng.uniform(0.5, 3))
                    if t < now:
                        note = rng.choice(FOLLOW_UPS)
                        inc.followed_up_at, inc.followed_up_by, inc.follow_up_note = t, handler, note
                        steps.append((t, StepKind.FOLLOW_UP, handler, note))
        inc.save()
        made += 1
        alarms = []
        for k in range(inc.alarm_count):
            serial += 1
            at = opened + dt.timedelta(seconds=40 * k)
            alarms.append(Alarm(device=device, message_id=f"demo-{serial:07d}", kind=kind, incident=inc,
                                channel=Channel.HTTP if device.kind == DeviceKind.APP else Channel.MQTT,
                                raised_at=at, received_at=at + dt.timedelta(milliseconds=rng.randint(80, 900)),
                                division_code=device.division_code))
            if k:
                steps.append((at, StepKind.REPEAT, None, f"{AlarmKind(kind).label}（再次按下）"))
        Alarm.objects.bulk_create(alarms)
        IncidentStep.objects.bulk_create([IncidentStep(incident=inc, at=a, kind=k, by=b, text=x) for a, k, b, x in steps])
    return made
