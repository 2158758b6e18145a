"""The registry of older people: what every other module reads."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet

from .choices import ContactKind, Sex, Status


class Person(AuditedModel):
    """One older person. ID number and phone are stored encrypted, found by keyed hash, shown masked."""

    name = models.CharField(_("姓名"), max_length=32)
    id_number_enc = models.TextField()
    id_number_hash = models.CharField(max_length=64)  # unique: see Meta (no LIKE index needed)
    id_number_masked = models.CharField(_("身份证号码"), max_length=18)
    id_last4 = models.CharField(max_length=4)
    id_converted_from_15 = models.BooleanField(_("由15位号码转换"), default=False)
    birth_date = models.DateField(_("出生日期"))
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    hukou_division_code = models.CharField(_("户籍地区划"), max_length=12, blank=True)
    division_code = models.CharField(_("居住社区"), max_length=12)
    address = models.CharField(_("居住地址"), max_length=200, blank=True)
    phone_enc = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=64, blank=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    # a code of the 居住状况 dictionary (core.DictionaryItem): offices add values, so no fixed choices here
    living_situation = models.CharField(_("居住状况"), max_length=16)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    status_date = models.DateField(_("状态日期"), null=True, blank=True)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from",
                                    db_index=False)  # a partial index below: almost every row is NULL
    consent_at = models.DateField(_("敏感信息处理同意日期"), null=True, blank=True)
    consent_by = models.CharField(_("同意人"), max_length=32, blank=True)
    consent_document = models.CharField(_("同意书编号"), max_length=64, blank=True)
    source = models.CharField(max_length=64, blank=True)  # "manual", "import:<job>", "seed"

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    # The birth date is digits 7–14 of the ID number: beside the masked number it would complete it,
    # so the history and the audit log record only that it changed.
    audit_sensitive_fields = ("id_number_enc", "id_number_hash", "phone_enc", "phone_hash", "birth_date")
    audit_exclude_fields = ("created_at", "updated_at", "version", "id_number_hash", "phone_hash")

    class Meta:
        verbose_name = _("老年人")
        verbose_name_plural = _("老年人")
        # Search and lists on PostgreSQL read indexes created by migration 0010 outside the model state
        # (SQLite has no "C" collation): person_name_order (name COLLATE "C", division_code COLLATE "C", id)
        # INCLUDE (birth_date, status) (0014),
        # person_division_order (division_code COLLATE "C", id), person_birth_order (birth_date,
        # division_code COLLATE "C", id) and person_status_order (status, division_code COLLATE "C", id).
        # "C" (byte order) lets one index serve a LIKE 'prefix%' range and the order of the page together
        # (selectors.NAME_ORDER, AGE_ORDER, DIVISION_ORDER); birth-date ranges use person_birth_order.
        indexes = [
            models.Index(fields=["id_last4", "name"], name="person_last4_name"),
            models.Index(fields=["phone_hash"], name="person_phone_hash"),
            models.Index(fields=["merged_into"], name="person_merged_into", condition=models.Q(merged_into__isnull=False)),
        ]
        constraints = [
            # on PostgreSQL its index also carries (id, status, status_date, division_code) for data matching's
            # index-only probes (migration 0013, outside the model state: SQLite has no INCLUDE)
            models.UniqueConstraint(fields=["id_number_hash"], name="person_one_record_per_id_number"),
            models.CheckConstraint(
                condition=models.Q(status="active") | models.Q(status_date__isnull=False),
                name="person_status_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

    def get_living_situation_display(self) -> str:
        from yanglao.core.dictionaries import dictionary_label

        return dictionary_label("living_situation", self.living_situation)

    def age_on(self, day: dt.date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def age(self) -> int:
        return self.age_on(dt.date.today())


class PersonCategory(AuditedModel):
    """A category the person belongs to, with its dates and evidence (特困, 低保, …)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="categories")
    category = models.CharField(_("类别"), max_length=32)  # a code of the 人员类别 dictionary
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    document_no = models.CharField(_("证明文件编号"), max_length=64, blank=True)
    issuing_unit = models.CharField(_("认定单位"), max_length=64, blank=True)
    disability_grade = models.PositiveSmallIntegerField(_("残疾等级"), null=True, blank=True)
    division_code = models.CharField(max_length=12)  # the person's, for scope and audit

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        verbose_name = _("人员类别")
        verbose_name_plural = _("人员类别")
        # + category_scope (PostgreSQL, migration people.0010): (category, division_code COLLATE "C", person_id)
        # INCLUDE (valid_from, valid_to): a category's holders in one area, for search (selectors.with_category)
        indexes = [models.Index(fields=["category", "valid_from", "valid_to"], name="category_validity")]
        constraints = [
            models.UniqueConstraint(fields=["person", "category", "valid_from"], name="category_once_per_start"),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="category_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~models.Q(category="severe_disability")
                | models.Q(disability_grade__in=[1, 2]),
                name="severe_disability_has_grade",
            ),
        ]

    def get_category_display(self) -> str:
        from yanglao.core.dictionaries import dictionary_label

        return dictionary_label("person_category", self.category)

    def __str__(self) -> str:
        return f"{self.get_category_display()}（{self.valid_from:%Y年%m月%d日}起）"

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


class Contact(AuditedModel):
    """A guardian or emergency contact."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("类型"), max_length=16, choices=ContactKind.choices)
    name = models.CharField(_("姓名"), max_length=32)
    relation = models.CharField(_("关系"), max_length=16, blank=True)
    phone_enc = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=64, blank=True)
    phone_masked = models.CharField(_("电话"), max_length=20, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    audit_sensitive_fields = ("phone_enc", "phone_hash")

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("处理中")
    DONE = "done", _("已完成")
    REJECTED = "rejected", _("未导入（有错误行）")
    FAILED = "failed", _("失败")


class ImportJob(models.Model):
    """One spreadsheet import: its file, its choice (valid rows or all-or-nothing), progress and result."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, related_name="+")
    division_code = models.CharField(max_length=12)  # the importer's jurisdiction: rows outside are refused
    filename = models.CharField(max_length=200)
    file_path = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64)
    all_or_nothing = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    created_people = models.PositiveIntegerField(default=0)
    existing_people = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The worker touches this while it works; a running job whose heartbeat is older than
    # settings.IMPORT_STALE_MINUTES has lost its worker and is marked failed (importing.fail_stale_jobs).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The row limit of the way the file came in (web upload or command line), from settings.UPLOAD_LIMITS.
    max_rows = models.PositiveIntegerField(null=True, blank=True)
    # Errors beyond settings.IMPORT_MAX_STORED_ERRORS are counted in error_rows but not stored.
    stored_errors = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return f"{self.filename}（{self.get_status_display()}）"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status in (ImportStatus.DONE, ImportStatus.REJECTED) else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class ImportRowError(models.Model):
    """A rejected row: row number as Excel shows it, the column, and the reason."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveIntegerField()
    column = models.CharField(max_length=32)
    reason = models.CharField(max_length=300)
    value = models.CharField(max_length=100, blank=True)  # masked where sensitive

    class Meta:
        ordering = ["row", "id"]

    def __str__(self) -> str:
        return f"第 {self.row} 行 · {self.column}: {self.reason}"


class UnmaskedExportRequest(AuditedModel):
    """An export of full ID numbers and phones larger than one person may take alone: a second person
    with the same capability approves it before the requester can download it, once."""

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已退回")
        USED = "used", _("已下载")

    requested_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人"))
    division_code = models.CharField(_("申请人管辖区划"), max_length=12)
    filters = models.JSONField(_("筛选条件"), default=dict)
    fmt = models.CharField(_("格式"), max_length=4, default="xlsx")
    reason = models.CharField(_("导出事由"), max_length=200)
    row_count = models.PositiveIntegerField(_("行数"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("审批人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_comment = models.CharField(_("审批意见"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        verbose_name = _("完整信息导出申请")
        verbose_name_plural = _("完整信息导出申请")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="pending") | ~models.Q(decided_by=models.F("requested_by")),
                name="unmasked_export_second_person",
            ),
        ]

    def __str__(self) -> str:
        return f"完整信息导出申请 {self.pk}（{self.row_count} 行）"
