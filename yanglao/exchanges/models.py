"""Exchanges with other departments (数据交换): one configuration per exchange and a log of its runs;
the national elderly-care information system's batch files (what was sent when) and the lists it sends
back; long-term care insurance (长期护理保险): its assessments, insured status, designated providers,
care plans and the monthly settlement lists that keep a person from being paid twice."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet


class Direction(models.TextChoices):
    OUT = "out", _("报送")
    IN = "in", _("接收")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    YEARLY = "yearly", _("每年")
    ON_DEMAND = "on_demand", _("按需")


class RunStatus(models.TextChoices):
    OK = "ok", _("成功")
    WITH_ERRORS = "with_errors", _("部分行有误")
    FAILED = "failed", _("失败")


EVENTS = {"import": _("导入并比对"), "confirm": _("确认生效"), "export": _("生成报送文件"), "sent": _("登记已报送")}


class Exchange(AuditedModel):
    """One exchange with a department: who sends what, how often, in which layout (and its version)."""

    code = models.SlugField(_("交换代码"), max_length=40, unique=True)
    name = models.CharField(_("交换名称"), max_length=100)
    partner = models.CharField(_("对方单位"), max_length=100)
    direction = models.CharField(_("方向"), max_length=4, choices=Direction.choices)
    carries = models.CharField(_("交换内容"), max_length=300)
    frequency = models.CharField(_("频次"), max_length=12, choices=Frequency.choices)
    layout = models.CharField(_("文件格式"), max_length=60)
    layout_version = models.CharField(_("格式版本"), max_length=20)
    basis = models.CharField(_("依据"), max_length=200, blank=True)
    contact = models.CharField(_("对方联系人"), max_length=60, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    built_in = models.BooleanField(default=False)
    division_code = models.CharField(max_length=12, default="4417")

    class Meta:
        ordering = ["partner", "code"]
        verbose_name = _("数据交换")
        verbose_name_plural = _("数据交换")

    def __str__(self) -> str:
        return f"{self.partner} · {self.name}"


class ExchangeRun(AuditedModel):
    """One run of an exchange: when, who, which file, how many rows, the errors per row, what it changed."""

    exchange = models.ForeignKey(Exchange, on_delete=models.PROTECT, related_name="runs")
    event = models.CharField(_("环节"), max_length=20)  # import / confirm / export / sent
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    filename = models.CharField(_("文件"), max_length=200, blank=True)
    file_sha256 = models.CharField(_("文件摘要"), max_length=64, blank=True)
    rows_total = models.PositiveIntegerField(_("行数"), default=0)
    rows_ok = models.PositiveIntegerField(_("正确行"), default=0)
    rows_bad = models.PositiveIntegerField(_("有误行"), default=0)
    rows_changed = models.PositiveIntegerField(_("变更记录"), default=0)
    status = models.CharField(_("结果"), max_length=12, choices=RunStatus.choices)
    changed = models.CharField(_("带来的变化"), max_length=500, blank=True)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)  # [{"row", "column", "reason"}], first 200
    source_url = models.CharField(max_length=200, blank=True)  # the page of the batch behind the run
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    audit_exclude_fields = ("created_at", "updated_at", "version", "file_sha256", "errors", "source_url", "changed")

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("交换记录")
        verbose_name_plural = _("交换记录")
        indexes = [models.Index(fields=["exchange", "-at"], name="ex_run_latest")]

    def __str__(self) -> str:
        from django.utils import timezone

        return f"{self.exchange.name} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"

    @property
    def event_label(self) -> str:
        return str(EVENTS.get(self.event, self.event))


# --------------------------------------------------------------------------- national system


class NationalBatch(AuditedModel):
    """A quarter's batch for the national elderly-care information system: files checked against their
    layouts, rows that fail kept out and listed, each file's hash and counts; sent when a person says so."""

    period = models.CharField(_("报送期"), max_length=8)  # 2026Q4
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    created_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    rows_ok = models.PositiveIntegerField(_("合格行"), default=0)
    rows_failed = models.PositiveIntegerField(_("未通过校验行"), default=0)
    sent_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    sent_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sent_note = models.CharField(_("报送说明"), max_length=200, blank=True)
    division_code = models.CharField(max_length=12, default="4417")

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("全国系统报送批次")
        verbose_name_plural = _("全国系统报送批次")

    def __str__(self) -> str:
        return f"{self.period} 全国养老服务信息系统报送（第{self.pk}批）"


class NationalFile(models.Model):
    """One file of a batch: its layout and version, rows written and rows kept out with the reasons."""

    batch = models.ForeignKey(NationalBatch, on_delete=models.CASCADE, related_name="files")
    layout = models.CharField(max_length=30)
    layout_version = models.CharField(max_length=10)
    title = models.CharField(max_length=60)
    filename = models.CharField(max_length=120)
    rows_ok = models.PositiveIntegerField(default=0)
    rows_failed = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    errors = models.JSONField(default=list, blank=True)  # [{"row", "record", "column", "reason"}]
    division_code = models.CharField(max_length=12, default="4417")

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["batch", "layout"], name="ex_one_file_per_layout")]


class ReturnOutcome(models.TextChoices):
    MATCHED = "matched", _("本市档案中有此人")
    NOT_FOUND = "not_found", _("本市档案中无此人")
    BAD = "bad", _("行有误")


class NationalReturn(AuditedModel):
    """A list the national system sends back (people already registered there), matched by ID number."""

    filename = models.CharField(_("文件"), max_length=200)
    file_sha256 = models.CharField(max_length=64, unique=True)
    list_name = models.CharField(_("名单"), max_length=100)
    audit_exclude_fields = ("created_at", "updated_at", "version", "file_sha256")
    uploaded_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    rows = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    not_found = models.PositiveIntegerField(default=0)
    bad = models.PositiveIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    division_code = models.CharField(max_length=12, default="4417")

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("全国系统回传名单")
        verbose_name_plural = _("全国系统回传名单")

    def __str__(self) -> str:
        return f"{self.list_name}（{self.filename}）"


class NationalReturnRow(models.Model):
    batch = models.ForeignKey(NationalReturn, on_delete=models.CASCADE, related_name="lines")
    row_no = models.PositiveIntegerField()
    name = models.CharField(max_length=32, blank=True)
    id_masked = models.CharField(max_length=18, blank=True)
    id_hash = models.CharField(max_length=64, blank=True)
    national_no = models.CharField(max_length=40, blank=True)
    registered_on = models.DateField(null=True, blank=True)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    outcome = models.CharField(max_length=10, choices=ReturnOutcome.choices)
    column = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    division_code = models.CharField(max_length=12, blank=True)  # the person's; '' when not found

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["row_no"]
        indexes = [models.Index(fields=["batch", "outcome", "row_no"], name="ex_return_rows")]


class NationalRegistration(AuditedModel):
    """A person registered in the national system (from a confirmed returned list)."""

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="national_registration")
    national_no = models.CharField(_("全国系统编号"), max_length=40, blank=True)
    registered_on = models.DateField(_("登记日期"), null=True, blank=True)
    source = models.ForeignKey(NationalReturn, on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    def __str__(self) -> str:
        return f"全国系统登记 {self.national_no or '—'}"


# --------------------------------------------------------------------------- long-term care insurance


class LtcLevel(models.IntegerChoices):
    """The levels of 长期护理失能等级评估标准（试行）(医保办发〔2021〕37号)."""

    NORMAL = 0, _("基本正常")
    MILD = 1, _("轻度失能")
    MODERATE = 2, _("中度失能")
    SEVERE_1 = 3, _("重度失能Ⅰ级")
    SEVERE_2 = 4, _("重度失能Ⅱ级")
    SEVERE_3 = 5, _("重度失能Ⅲ级")


class CareSetting(models.TextChoices):
    HOME = "home", _("居家护理")
    INSTITUTION = "institution", _("机构护理")


class LtcAssessment(AuditedModel):
    """The medical-insurance side's assessment (医保办发〔2021〕37号): 3 first-level indicators (their
    scores) and the 17 second-level items, with its own level; kept beside GB/T 42195, never mixed."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="ltc_assessments")
    assessed_on = models.DateField(_("评估日期"))
    adl_score = models.PositiveSmallIntegerField(_("日常生活活动能力得分"))
    cognition_score = models.PositiveSmallIntegerField(_("认知能力得分"))
    perception_score = models.PositiveSmallIntegerField(_("感知觉与沟通能力得分"))
    items = models.JSONField(_("二级指标得分"), default=dict, blank=True)
    level = models.PositiveSmallIntegerField(_("失能等级"), choices=LtcLevel.choices)
    agency = models.CharField(_("评估机构"), max_length=100)
    document_no = models.CharField(_("评估结论书编号"), max_length=60, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    audit_sensitive_fields = ("items", "adl_score", "cognition_score", "perception_score", "level")

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        verbose_name = _("长期护理失能等级评估")
        verbose_name_plural = _("长期护理失能等级评估")
        constraints = [models.CheckConstraint(condition=Q(level__lte=5), name="ex_ltc_level_range")]

    def __str__(self) -> str:
        return f"长护险失能等级评估 {self.assessed_on:%Y-%m-%d}"


class LtcProvider(AuditedModel):
    """A care provider designated by the medical-insurance bureau (长护险定点护理服务机构)."""

    name = models.CharField(_("机构名称"), max_length=128)
    code = models.CharField(_("医保定点编码"), max_length=30, unique=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    home_care = models.BooleanField(_("提供居家护理"), default=True)
    institution_care = models.BooleanField(_("提供机构护理"), default=False)
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("对应养老机构"))
    valid_from = models.DateField(_("定点起始日期"))
    valid_to = models.DateField(_("定点终止日期"), null=True, blank=True)
    division_code = models.CharField(_("所在区划"), max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["name"]
        verbose_name = _("长护险定点护理机构")
        verbose_name_plural = _("长护险定点护理机构")

    def __str__(self) -> str:
        return self.name


class InsuredStatus(models.TextChoices):
    ACTIVE = "active", _("享受待遇")
    SUSPENDED = "suspended", _("暂停待遇")
    ENDED = "ended", _("终止待遇")


class LtcBenefit(AuditedModel):
    """A person's long-term care insurance benefit: insured status, level, setting, provider, dates."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="ltc_benefits")
    status = models.CharField(_("待遇状态"), max_length=10, choices=InsuredStatus.choices, default=InsuredStatus.ACTIVE)
    level = models.PositiveSmallIntegerField(_("失能等级"), choices=LtcLevel.choices)
    setting = models.CharField(_("护理方式"), max_length=12, choices=CareSetting.choices)
    provider = models.ForeignKey(LtcProvider, on_delete=models.PROTECT, null=True, blank=True, related_name="benefits",
                                 verbose_name=_("定点护理机构"))
    from_month = models.DateField(_("起始月份"))
    to_month = models.DateField(_("终止月份"), null=True, blank=True)
    document_no = models.CharField(_("待遇核定文号"), max_length=60, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-from_month", "-pk"]
        verbose_name = _("长护险待遇")
        verbose_name_plural = _("长护险待遇")
        indexes = [models.Index(fields=["setting", "status", "from_month"], name="ex_ltc_benefit_month")]

    def __str__(self) -> str:
        return f"长护险待遇 {self.get_setting_display()} {self.from_month:%Y-%m}起"


class LtcCarePlan(AuditedModel):
    """The care plan the designated provider agreed with the person (服务计划)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="ltc_care_plans")
    provider = models.ForeignKey(LtcProvider, on_delete=models.PROTECT, related_name="plans",
                                 verbose_name=_("定点护理机构"))
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    hours_per_month = models.PositiveSmallIntegerField(_("每月服务时长（小时）"))
    services = models.CharField(_("服务项目"), max_length=300)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-valid_from", "-pk"]
        verbose_name = _("长护险护理计划")
        verbose_name_plural = _("长护险护理计划")

    def __str__(self) -> str:
        return f"长护险护理计划 {self.valid_from:%Y-%m-%d}起"


class LtcOffset(AuditedModel):
    """A city subsidy that long-term care insurance for home care replaces (dated, with its source):
    a person with LTC home care in a month is not paid this programme for that month."""

    programme = models.ForeignKey("benefits.Programme", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("津补贴项目"))
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    basis = models.CharField(_("依据"), max_length=200)
    division_code = models.CharField(max_length=12, default="4417")

    class Meta:
        ordering = ["programme", "-valid_from"]
        verbose_name = _("长护险与补贴互斥规则")
        verbose_name_plural = _("长护险与补贴互斥规则")

    def __str__(self) -> str:
        return f"长护险互斥规则 {self.valid_from:%Y-%m-%d}起"


class SettlementStatus(models.TextChoices):
    IMPORTED = "imported", _("待确认")
    CONFIRMED = "confirmed", _("已确认")


class LtcSettlement(AuditedModel):
    """A month's settlement list from the medical-insurance bureau (长护险月度结算清单)."""

    month = models.DateField(_("结算月份"))
    filename = models.CharField(_("文件"), max_length=200)
    file_sha256 = models.CharField(max_length=64, unique=True)
    audit_exclude_fields = ("created_at", "updated_at", "version", "file_sha256")
    uploaded_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=SettlementStatus.choices,
                              default=SettlementStatus.IMPORTED)
    rows = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    outside = models.PositiveIntegerField(default=0)
    not_found = models.PositiveIntegerField(default=0)
    bad = models.PositiveIntegerField(default=0)
    already_paid = models.PositiveIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    division_code = models.CharField(max_length=12, default="4417")

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-month", "-pk"]
        verbose_name = _("长护险结算清单")
        verbose_name_plural = _("长护险结算清单")

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月}长护险结算清单（{self.filename}）"


class SettlementOutcome(models.TextChoices):
    MATCHED = "matched", _("本市档案中有此人")
    OUTSIDE = "outside", _("非本市人员")
    NOT_FOUND = "not_found", _("本市档案中无此人")
    BAD = "bad", _("行有误")


class LtcSettlementRow(models.Model):
    settlement = models.ForeignKey(LtcSettlement, on_delete=models.CASCADE, related_name="lines")
    row_no = models.PositiveIntegerField()
    name = models.CharField(max_length=32, blank=True)
    id_masked = models.CharField(max_length=18, blank=True)
    id_hash = models.CharField(max_length=64, blank=True)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    setting = models.CharField(max_length=12, blank=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    days = models.PositiveSmallIntegerField(null=True, blank=True)
    fund_paid = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    provider_name = models.CharField(max_length=128, blank=True)
    outcome = models.CharField(max_length=10, choices=SettlementOutcome.choices)
    column = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    already_paid = models.CharField(max_length=100, blank=True)  # the city subsidy already paid for the month
    division_code = models.CharField(max_length=12, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["row_no"]
        indexes = [models.Index(fields=["settlement", "outcome", "row_no"], name="ex_settlement_rows"),
                   models.Index(fields=["person", "setting"], name="ex_settlement_person")]
        constraints = [models.CheckConstraint(condition=Q(fund_paid__isnull=True) | Q(fund_paid__gte=0),
                                              name="ex_fund_paid_not_negative")]
