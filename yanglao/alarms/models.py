"""Home alarm devices, the alarms they send and the incidents the duty console handles (紧急救援)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet

from .choices import (
    AlarmKind,
    Channel,
    DeviceKind,
    IncidentState,
    Outcome,
    ResponderKind,
    StepKind,
)


class Device(AuditedModel):
    """A call button, detector or sensor installed in an older person's home (or their phone app).
    `code` is the device's own serial number: it names the device in its MQTT topic. The HTTP token is
    stored as a SHA-256 digest and shown once, when it is issued."""

    code = models.CharField(_("设备编号"), max_length=40, unique=True)
    kind = models.CharField(_("设备类型"), max_length=16, choices=DeviceKind.choices)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="alarm_devices",
                               verbose_name=_("老年人"))
    address = models.CharField(_("安装地址"), max_length=200)
    installed_on = models.DateField(_("安装日期"))
    active = models.BooleanField(_("启用"), default=True)
    token_hash = models.CharField(max_length=64, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    division_code = models.CharField(max_length=12)  # the person's, for scope

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    audit_sensitive_fields = ("token_hash",)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("报警设备")
        verbose_name_plural = _("报警设备")
        indexes = [models.Index(fields=["division_code"], name="alarm_device_division",
                                opclasses=["varchar_pattern_ops"])]
        constraints = [models.UniqueConstraint(fields=["token_hash"], condition=~Q(token_hash=""),
                                               name="alarm_device_token_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"


class Incident(AuditedModel):
    """What the duty operator handles: opened by a device's alarm, acknowledged, a responder
    dispatched and arrived, closed with an outcome, then followed up. A device has at most one incident
    not yet closed (by the database): further presses are added to it."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("设备"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="alarm_incidents",
                               verbose_name=_("老年人"))
    kind = models.CharField(_("报警类型"), max_length=16, choices=AlarmKind.choices)
    emergency = models.BooleanField(_("紧急"), default=True)
    state = models.CharField(_("状态"), max_length=16, choices=IncidentState.choices, default=IncidentState.OPEN)
    opened_at = models.DateTimeField(_("报警时间"))
    alarm_count = models.PositiveIntegerField(_("报警次数"), default=1)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("响应人"))
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    responder_kind = models.CharField(_("处置人员类型"), max_length=12, choices=ResponderKind.choices, blank=True)
    responder_name = models.CharField(_("处置人员"), max_length=64, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    closed_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("结案人"))
    outcome = models.CharField(_("处置结果"), max_length=16, choices=Outcome.choices, blank=True)
    followed_up_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    followed_up_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("回访人"))
    follow_up_note = models.CharField(_("回访情况"), max_length=500, blank=True)
    division_code = models.CharField(max_length=12)  # the person's, for scope

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("救援事件")
        verbose_name_plural = _("救援事件")
        indexes = [
            models.Index(fields=["division_code"], name="alarm_incident_division", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["state", "opened_at"], name="alarm_incident_state"),
            models.Index(fields=["opened_at"], name="alarm_incident_opened"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["device"], condition=~Q(state="closed"), name="one_open_incident_per_device"),
            models.CheckConstraint(condition=Q(state="closed", outcome__gt="", closed_at__isnull=False)
                                   | (~Q(state="closed") & Q(outcome="")), name="incident_closed_has_outcome"),
            models.CheckConstraint(condition=Q(followed_up_at__isnull=True) | Q(state="closed"),
                                   name="incident_follow_up_after_closure"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    @property
    def number(self) -> str:
        """JY20261129-00042: the day it opened and its record number, as offices quote it on the phone."""
        from django.utils import timezone

        return f"JY{timezone.localtime(self.opened_at):%Y%m%d}-{self.pk or 0:05d}"

    @property
    def is_open(self) -> bool:
        return self.state != IncidentState.CLOSED

    @property
    def needs_follow_up(self) -> bool:
        return self.state == IncidentState.CLOSED and self.followed_up_at is None


class Alarm(models.Model):
    """One message from a device, stored once: (device, message id) is unique, so a message the broker
    delivers again (after a crash before the acknowledgement) or a phone app sends twice is not counted
    twice. Machine data: not an AuditedModel (the incident it opens or joins is)."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="alarms")
    message_id = models.CharField(_("设备消息编号"), max_length=64)
    kind = models.CharField(_("报警类型"), max_length=16, choices=AlarmKind.choices)
    channel = models.CharField(_("接入方式"), max_length=10, choices=Channel.choices)
    raised_at = models.DateTimeField(_("设备报警时间"))
    received_at = models.DateTimeField(_("平台接收时间"))
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="alarms")
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("报警记录")
        verbose_name_plural = _("报警记录")
        indexes = [
            models.Index(fields=["division_code"], name="alarm_division", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["received_at"], name="alarm_received"),
        ]
        constraints = [models.UniqueConstraint(fields=["device", "message_id"], name="alarm_once_per_device_message")]

    def __str__(self) -> str:
        return f"{self.device_id}:{self.message_id}"


class IncidentStep(models.Model):
    """One step of an incident's handling, in order: who did what, when (the log the operator keeps)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField()
    kind = models.CharField(max_length=12, choices=StepKind.choices)
    by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    text = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.text}"
