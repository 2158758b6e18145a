"""The built-in simulator: alarms from registered devices without any hardware or broker, so the demo
shows a live duty console. Through MQTT when asked (to exercise the subscriber), straight to the ingest
service otherwise."""

from __future__ import annotations

import random
import uuid
from typing import Any

from .choices import DeviceKind
from .models import Device
from .services import Incoming, IngestResult, ingest

# How often each kind of device goes off, roughly (red buttons and fall detectors most).
WEIGHTS = {DeviceKind.RED_BUTTON: 5, DeviceKind.GREEN_BUTTON: 3, DeviceKind.FALL: 3, DeviceKind.SMOKE: 1,
           DeviceKind.GAS: 1, DeviceKind.DOOR: 1, DeviceKind.ACTIVITY: 1, DeviceKind.APP: 2}


def pick_device(*, division_prefix: str = "", rng: random.Random | None = None, kind: str | None = None) -> Device | None:
    rng = rng or random.Random()
    qs = Device.objects.filter(active=True, division_code__startswith=division_prefix)
    if kind:
        qs = qs.filter(kind=kind)
    else:
        kind = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        qs = qs.filter(kind=kind) if qs.filter(kind=kind).exists() else qs
    n = qs.count()
    if not n:
        return None
    return qs.order_by("pk")[rng.randrange(n)]


def simulate(*, division_prefix: str = "", kind: str | None = None, rng: random.Random | None = None,
             mqtt_url: str = "") -> tuple[Device | None, IngestResult | None]:
    """One alarm from a random device (of `kind`, within `division_prefix`)."""
    device = pick_device(division_prefix=division_prefix, rng=rng, kind=kind)
    if device is None:
        return None, None
    message_id = f"sim-{uuid.uuid4().hex[:16]}"
    if mqtt_url:
        from .mqtt import publish_alarm

        publish_alarm(device.code, message_id, url=mqtt_url)
        return device, None
    return device, ingest([Incoming(device.code, message_id, "simulator")])[0]


def describe(device: Any) -> str:
    return f"{device.person.name} · {device.get_kind_display()}（{device.code}）"
