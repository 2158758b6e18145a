"""The care workforce (养老人才队伍): caregivers with the national skill levels, their certificates and
health certificates, training courses and attendance, subsidies as dated rules, the training target, and
staffing norms for institutions."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet


class SkillLevel(models.IntegerChoices):
    """职业技能等级 of 养老护理员 (国家职业技能标准 2019 年版): 五级 is the entry level, 一级 the highest."""

    NONE = 0, _("未取得等级")
    L5 = 5, _("五级/初级工")
    L4 = 4, _("四级/中级工")
    L3 = 3, _("三级/高级工")
    L2 = 2, _("二级/技师")
    L1 = 1, _("一级/高级技师")


class CaregiverRole(models.TextChoices):
    CARER = "carer", _("养老护理员")
    MANAGER = "manager", _("管理人员")


class CaregiverStatus(models.TextChoices):
    EMPLOYED = "employed", _("在岗")
    LEFT = "left", _("已离职")


class Caregiver(AuditedModel):
    name = models.CharField(_("姓名"), max_length=32)
    id_number_enc = models.TextField()
    id_number_hash = models.CharField(max_length=64)
    id_number_masked = models.CharField(_("身份证号码"), max_length=18)
    id_last4 = models.CharField(max_length=4)
    birth_date = models.DateField()  # shown only as an age
    sex = models.CharField(_("性别"), max_length=1)
    role = models.CharField(_("岗位"), max_length=10, choices=CaregiverRole.choices, default=CaregiverRole.CARER)
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="caregivers", verbose_name=_("所在养老机构"))
    employer = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="caregivers", verbose_name=_("用人单位"))
    employed_since = models.DateField(_("入职日期"))
    status = models.CharField(_("状态"), max_length=10, choices=CaregiverStatus.choices, default=CaregiverStatus.EMPLOYED)
    left_on = models.DateField(_("离职日期"), null=True, blank=True)
    skill_level = models.PositiveSmallIntegerField(_("职业技能等级"), choices=SkillLevel.choices, default=SkillLevel.NONE)
    certificate_no = models.CharField(_("职业技能等级证书编号"), max_length=40, blank=True)
    certificate_issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    certificate_expires_on = models.DateField(_("证书有效期至"), null=True, blank=True)
    health_cert_no = models.CharField(_("健康证明编号"), max_length=40, blank=True)
    health_cert_expires_on = models.DateField(_("健康证明有效期至"), null=True, blank=True)
    division_code = models.CharField(_("工作地村（社区）"), max_length=12)  # the employer's place

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "employer_id"

    audit_sensitive_fields = ("id_number_enc", "id_number_hash", "birth_date")
    audit_exclude_fields = ("created_at", "updated_at", "version", "id_number_hash")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("养老护理员")
        verbose_name_plural = _("养老护理员")
        indexes = [models.Index(fields=["division_code", "status"], name="wf_caregiver_division")]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="wf_one_caregiver_per_id_number"),
            models.UniqueConstraint(fields=["certificate_no"], condition=~Q(certificate_no=""), name="wf_certificate_no_unique"),
            models.CheckConstraint(condition=Q(skill_level=0) | ~Q(certificate_no=""), name="wf_level_needs_certificate"),
            models.CheckConstraint(condition=Q(certificate_expires_on__isnull=True) | Q(certificate_issued_on__isnull=True)
                                   | Q(certificate_expires_on__gt=F("certificate_issued_on")), name="wf_certificate_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（尾号{self.id_last4}）"

    def age_on(self, day: dt.date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def age(self) -> int:
        return self.age_on(dt.date.today())


class CourseKind(models.TextChoices):
    INDUCTION = "induction", _("岗前培训")
    SKILL = "skill", _("技能提升培训")
    LEVEL = "level", _("职业技能等级认定培训")
    MANAGER = "manager", _("管理人员培训")


class Course(AuditedModel):
    title = models.CharField(_("培训班名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=10, choices=CourseKind.choices)
    provider = models.CharField(_("培训机构"), max_length=100)
    starts_on = models.DateField(_("开班日期"))
    ends_on = models.DateField(_("结业日期"))
    hours = models.PositiveSmallIntegerField(_("学时"))
    places = models.PositiveSmallIntegerField(_("计划人数"))
    division_code = models.CharField(_("举办地"), max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-starts_on", "pk"]
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="wf_course_dates_in_order"),
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(places__gt=0), name="wf_course_hours_places_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(AuditedModel):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="attendances")
    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, related_name="attendances")
    completed = models.BooleanField(_("完成培训"), default=False)
    passed = models.BooleanField(_("考核合格"), default=False)
    division_code = models.CharField(max_length=12)  # the caregiver's: a county sees its people's training

    objects = ScopedQuerySet.as_manager()
    # seen from the caregiver's area and from the area that held the course
    scope_division_field = ("division_code", "course__division_code")
    scope_organisation_field = "caregiver__employer_id"

    class Meta:
        verbose_name = _("参训记录")
        verbose_name_plural = _("参训记录")
        constraints = [
            models.UniqueConstraint(fields=["course", "caregiver"], name="wf_attend_once"),
            models.CheckConstraint(condition=Q(passed=False) | Q(completed=True), name="wf_pass_needs_completion"),
        ]

    def __str__(self) -> str:
        return f"{self.course.title} · {self.caregiver.name}"


class SubsidyKind(models.TextChoices):
    EMPLOYMENT = "employment", _("入职补贴")
    POST = "post", _("岗位补贴（每月）")
    CERTIFICATION = "certification", _("职业技能等级补贴")


class SubsidyRule(AuditedModel):
    """A subsidy amount in fen for one kind (and, for certification, one skill level), valid for dates,
    with the document that set it. Rules of the same kind and level never overlap (checked by the service)."""

    kind = models.CharField(_("补贴类型"), max_length=14, choices=SubsidyKind.choices)
    skill_level = models.PositiveSmallIntegerField(_("技能等级"), choices=SkillLevel.choices, null=True, blank=True)
    amount_fen = models.PositiveIntegerField(_("金额（分）"))
    min_service_months = models.PositiveSmallIntegerField(_("连续从业满（月）"), default=0)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    source = models.CharField(_("依据文件"), max_length=200)

    class Meta:
        ordering = ["kind", "skill_level", "-valid_from"]
        verbose_name = _("护理员补贴标准")
        verbose_name_plural = _("护理员补贴标准")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="wf_subsidy_amount_positive"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                                   name="wf_subsidy_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_fen / 100:.2f}"


class TrainingTarget(AuditedModel):
    """The province's yearly training target and the city's share of it (configuration, with source)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    province_target = models.PositiveIntegerField(_("全省培训目标（人次）"))
    city_target = models.PositiveIntegerField(_("本市分解目标（人次）"))
    source = models.CharField(_("依据"), max_length=200)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("培训目标")
        verbose_name_plural = _("培训目标")

    def __str__(self) -> str:
        return f"{self.year}"


class StaffingNorm(AuditedModel):
    """At most `residents_per_carer` residents of a care level per carer (配比), with source."""

    care_level = models.PositiveSmallIntegerField(_("能力等级"), unique=True)
    residents_per_carer = models.DecimalField(_("每名护理员照护人数上限"), max_digits=4, decimal_places=1)
    source = models.CharField(_("依据"), max_length=200)

    class Meta:
        ordering = ["care_level"]
        verbose_name = _("护理人员配比标准")
        verbose_name_plural = _("护理人员配比标准")
        constraints = [models.CheckConstraint(condition=Q(residents_per_carer__gt=0), name="wf_norm_positive")]

    def __str__(self) -> str:
        return f"{self.care_level}: 1:{self.residents_per_carer}"

    @property
    def level_label(self) -> str:
        from yanglao.assessments.scoring import level_name

        try:
            return level_name(int(self.care_level))
        except ValueError:
            return str(self.care_level)
