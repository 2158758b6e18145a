"""Code lists of the alarms module: device kinds, alarm kinds, incident states, responders, outcomes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceKind(models.TextChoices):
    RED_BUTTON = "red_button", _("紧急呼叫按钮（红键）")
    GREEN_BUTTON = "green_button", _("服务呼叫按钮（绿键）")
    FALL = "fall", _("跌倒报警器")
    SMOKE = "smoke", _("烟雾报警器")
    GAS = "gas", _("燃气报警器")
    DOOR = "door", _("门磁传感器")
    ACTIVITY = "activity", _("活动传感器")
    APP = "app", _("手机应用一键呼叫")


class AlarmKind(models.TextChoices):
    EMERGENCY = "emergency", _("紧急呼叫")
    SERVICE = "service", _("服务请求")
    FALL = "fall", _("跌倒")
    SMOKE = "smoke", _("烟雾")
    GAS = "gas", _("燃气泄漏")
    DOOR = "door", _("门磁异常")
    INACTIVITY = "inactivity", _("长时间无活动")


# What a device reports when its message names no type.
DEVICE_DEFAULT_KIND: dict[str, str] = {
    DeviceKind.RED_BUTTON: AlarmKind.EMERGENCY,
    DeviceKind.GREEN_BUTTON: AlarmKind.SERVICE,
    DeviceKind.FALL: AlarmKind.FALL,
    DeviceKind.SMOKE: AlarmKind.SMOKE,
    DeviceKind.GAS: AlarmKind.GAS,
    DeviceKind.DOOR: AlarmKind.DOOR,
    DeviceKind.ACTIVITY: AlarmKind.INACTIVITY,
    DeviceKind.APP: AlarmKind.EMERGENCY,
}

# A service request is answered in working order; everything else is an emergency.
EMERGENCY_KINDS = frozenset(set(AlarmKind.values) - {AlarmKind.SERVICE})


class Channel(models.TextChoices):
    MQTT = "mqtt", _("物联网")
    HTTP = "http", _("手机应用")
    SIMULATOR = "simulator", _("模拟器")


class IncidentState(models.TextChoices):
    OPEN = "open", _("待响应")
    ESCALATED = "escalated", _("超时未响应（已升级）")
    ACKNOWLEDGED = "acknowledged", _("已响应")
    DISPATCHED = "dispatched", _("已派遣")
    ARRIVED = "arrived", _("已到场")
    CLOSED = "closed", _("已结案")


OPEN_STATES = (IncidentState.OPEN, IncidentState.ESCALATED, IncidentState.ACKNOWLEDGED,
               IncidentState.DISPATCHED, IncidentState.ARRIVED)
UNACKNOWLEDGED_STATES = (IncidentState.OPEN, IncidentState.ESCALATED)


class ResponderKind(models.TextChoices):
    COMMUNITY = "community", _("社区工作人员")
    PROVIDER = "provider", _("服务商")
    FAMILY = "family", _("家属")
    EMERGENCY_120 = "120", _("120急救")


class Outcome(models.TextChoices):
    RESOLVED_HOME = "resolved_home", _("已现场处置")
    HOSPITAL = "hospital", _("已送医")
    SERVICE_DONE = "service_done", _("服务已提供")
    FALSE_ALARM = "false_alarm", _("误报")
    NO_ANSWER_SAFE = "safe", _("经核实安全")
    DECEASED = "deceased", _("已身故")


class StepKind(models.TextChoices):
    ALARM = "alarm", _("报警")
    REPEAT = "repeat", _("再次报警")
    ESCALATE = "escalate", _("超时升级")
    ACKNOWLEDGE = "acknowledge", _("响应")
    CALL = "call", _("拨打电话")
    DISPATCH = "dispatch", _("派遣")
    ARRIVE = "arrive", _("到场")
    NOTE = "note", _("记录")
    CLOSE = "close", _("结案")
    FOLLOW_UP = "follow_up", _("回访")
