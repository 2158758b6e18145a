from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgrammeKind(models.TextChoices):
    ALLOWANCE = "allowance", _("津贴")
    SUBSIDY = "subsidy", _("补贴")
    INSURANCE_LIST = "insurance_list", _("保险名单")


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("实施中")
    CLOSED = "closed", _("已停止")


class BandBasis(models.TextChoices):
    AGE = "age", _("按年龄段")
    CARE_LEVEL = "care_level", _("按能力等级")
    FLAT = "flat", _("统一标准")


class ReferenceDay(models.TextChoices):
    FIRST = "first", _("当月1日")
    LAST = "last", _("当月最后一日")


class EnrolmentMode(models.TextChoices):
    AUTO = "auto", _("按条件自动纳入")
    APPLICATION = "application", _("申请审核后纳入")


class EnrolmentSource(models.TextChoices):
    AUTO = "auto", _("自动")
    APPLICATION = "application", _("申请")


class EnrolmentStatus(models.TextChoices):
    APPLIED = "applied", _("待审核")
    APPROVED = "approved", _("已审核")
    REJECTED = "rejected", _("未通过")
    ENDED = "ended", _("已终止")


class SuspensionReason(models.TextChoices):
    DEATH = "death", _("死亡")
    MOVED_AWAY = "moved_away", _("迁出")
    IMPRISONMENT = "imprisonment", _("服刑")
    INSTITUTION_ADMISSION = "institution_admission", _("入住养老机构")
    PROOF_OF_LIFE = "proof_of_life", _("未按期生存认证")
    OTHER = "other", _("其他")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    COMPUTING = "computing", _("计算中")
    PREVIEW = "preview", _("待审核")
    FAILED = "failed", _("计算失败")
    APPROVED = "approved", _("已审核")
    PAID = "paid", _("已发放")
    RECONCILED = "reconciled", _("已对账")
    CANCELLED = "cancelled", _("已作废")


class LineKind(models.TextChoices):
    REGULAR = "regular", _("当月")
    BACK_PAY = "back_pay", _("补发")
    CARRIED = "carried", _("上期失败重发")
    ADJUSTMENT = "adjustment", _("更正")


class LineReason(models.TextChoices):
    NEW = "new", _("新增")
    CONTINUED = "continued", _("继续享受")
    CHANGED = "changed", _("标准变化")
    BACK_PAY = "back_pay", _("补发")
    CARRIED_FAILED = "carried_failed", _("上期发放失败")
    ADJUSTMENT = "adjustment", _("更正")


class StopReason(models.TextChoices):
    DEATH = "death", _("死亡")
    MOVED_AWAY = "moved_away", _("迁出")
    MERGED = "merged", _("档案合并")
    IMPRISONMENT = "imprisonment", _("停发：服刑")
    INSTITUTION_ADMISSION = "institution_admission", _("停发：入住养老机构")
    PROOF_OF_LIFE = "proof_of_life", _("停发：未按期生存认证")
    SUSPENDED = "suspended", _("停发：其他")
    ENROLMENT_ENDED = "enrolment_ended", _("享受登记终止")
    INELIGIBLE = "ineligible", _("不再符合条件")


# Stop reasons of exclusions other modules register (engine.register_run_exclusion): code -> label.
EXTRA_STOP_REASONS: dict[str, Any] = {}


class PaymentOutcome(models.TextChoices):
    PAID = "paid", _("成功")
    FAILED = "failed", _("失败")


class EndReason(models.TextChoices):
    REQUEST = "request", _("本人申请")
    RULE = "rule", _("不再符合条件")
    DEATH = "death", _("死亡")
    MOVED_AWAY = "moved_away", _("迁出")


class MatchKind(models.TextChoices):
    DEATH = "death", _("死亡名单（公安、卫健、殡葬）")
    MOVED_AWAY = "moved_away", _("户籍迁出名单")
    PRISON = "prison", _("服刑人员名单")
    ASSISTANCE = "assistance", _("低保、特困变动名单")
    DISABILITY = "disability", _("残疾人证名单")


class MatchOutcome(models.TextChoices):
    CONSISTENT = "consistent", _("一致")
    CHANGE = "change", _("有变化")
    NOT_FOUND = "not_found", _("档案中无此人")
    BAD = "bad", _("行有误")


class LifeCertMethod(models.TextChoices):
    VISIT = "visit", _("社区工作人员上门")
    VIDEO = "video", _("视频认证")
    BANK_FACE = "bank_face", _("银行人脸识别")
    APP_FACE = "app_face", _("APP人脸识别")
    INSTITUTION = "institution", _("养老机构确认")


class RecoveryStatus(models.TextChoices):
    OPEN = "open", _("待追回")
    PARTLY = "partly", _("部分追回")
    RECOVERED = "recovered", _("已追回")
    WRITTEN_OFF = "written_off", _("已核销")


class RecoveryPaymentKind(models.TextChoices):
    REPAYMENT = "repayment", _("退回")
    DEDUCTION = "deduction", _("从以后发放中抵扣")
