"""The message centre (站内信) and the SMS service's records.

* ``Notice``: one message to one user, with its kind, a link to the record and when it was read. The
  header's unread count reads the partial index ``notice_unread`` (recipient, kind WHERE read_at IS NULL).
* ``NoticePreference``: a user's choice per kind (no row = the kind's default).
* ``SmsTemplate``: the city administrator's wording of a registered template (no row = the built-in one).
* ``SmsMessage``: every text message, queued → sent / failed, or not sent because the number opted out.
  The number is never stored in clear: masked for people, a keyed hash (the registry's phone hash) to match
  opt-outs, and encrypted only while the message waits to be sent (cleared once it is sent or has failed).
* ``SmsOptOut``: a person (or one of their family's numbers) who asked for no text messages, with the date
  and how they asked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet


class Notice(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices",
                                  db_index=False)  # the indexes below lead with it
    kind = models.CharField(_("类型"), max_length=48)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    division_code = models.CharField(max_length=12, blank=True)  # the record's, for the record
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    # The same event is told once: a daily job re-run the same day adds nothing (unique per recipient).
    dedupe_key = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("站内信")
        verbose_name_plural = _("站内信")
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notice_inbox"),
            models.Index(fields=["recipient", "kind"], condition=Q(read_at__isnull=True), name="notice_unread"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""),
                                    name="notice_once_per_event"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def kind_label(self) -> str:
        from .registry import NOTICE_KINDS

        kind = NOTICE_KINDS.get(self.kind)
        return str(kind.label) if kind else self.kind


class NoticePreference(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=48)
    in_centre = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notice_pref_once")]


class SmsTemplate(AuditedModel):
    key = models.CharField(_("模板"), max_length=48, unique=True)
    body = models.TextField(_("短信内容"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("短信模板")
        verbose_name_plural = _("短信模板")

    def __str__(self) -> str:
        return self.key


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    OPTED_OUT = "opted_out", _("已退订未发送")


class SmsRecipientKind(models.TextChoices):
    PERSON = "person", _("本人")
    FAMILY = "family", _("家属")


class SmsMessage(models.Model):
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    template = models.CharField(_("模板"), max_length=48)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recipient_kind = models.CharField(_("接收人"), max_length=8, choices=SmsRecipientKind.choices)
    recipient_label = models.CharField(_("接收人"), max_length=48, blank=True)  # "本人" or "监护人 陈明（儿子）"
    phone_masked = models.CharField(_("号码"), max_length=20)
    phone_hash = models.CharField(max_length=64)
    phone_enc = models.TextField(blank=True)  # only while queued
    body = models.TextField(_("内容"))
    status = models.CharField(_("状态"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    gateway = models.CharField(max_length=16, blank=True)
    gateway_message_id = models.CharField(max_length=64, blank=True)
    error = models.CharField(_("失败原因"), max_length=300, blank=True)
    source = models.CharField(max_length=64, blank=True)  # "admissions.offer:12": the record that caused it
    division_code = models.CharField(max_length=12)  # the person's, for scope

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("短信记录")
        verbose_name_plural = _("短信记录")
        indexes = [
            models.Index(fields=["division_code", "-created_at"], name="sms_division_recent"),
            models.Index(fields=["next_attempt_at"], condition=Q(status="queued"), name="sms_due"),
            models.Index(fields=["phone_hash"], name="sms_phone_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.phone_masked} {self.get_status_display()}"


class OptOutSource(models.TextChoices):
    PHONE_CALL = "phone_call", _("本人或家属来电")
    WRITTEN = "written", _("书面申请")
    SMS_REPLY = "sms_reply", _("回复短信退订")
    IN_PERSON = "in_person", _("到窗口或上门时提出")


class SmsOptOut(AuditedModel):
    """No text messages: to every number of a person (``phone_hash`` empty), or to one number (a family
    member who asked). Withdrawn, it stays as a record of when it applied."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    phone_hash = models.CharField(max_length=64, blank=True)
    phone_masked = models.CharField(_("号码"), max_length=20, blank=True)
    opted_out_on = models.DateField(_("退订日期"))
    source = models.CharField(_("退订方式"), max_length=12, choices=OptOutSource.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    withdrawn_on = models.DateField(_("恢复接收日期"), null=True, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    audit_sensitive_fields = ("phone_hash",)
    audit_exclude_fields = ("created_at", "updated_at", "version", "phone_hash")

    class Meta:
        ordering = ["-opted_out_on", "-id"]
        verbose_name = _("短信退订")
        verbose_name_plural = _("短信退订")
        indexes = [
            models.Index(fields=["person"], condition=Q(withdrawn_on__isnull=True), name="optout_person_active"),
            models.Index(fields=["phone_hash"], condition=Q(withdrawn_on__isnull=True), name="optout_phone_active"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.phone_masked or '全部号码'}"
