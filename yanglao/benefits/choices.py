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
    SUSPENDED = "suspended", _("停发：其他")
    ENROLMENT_ENDED = "enrolment_ended", _("享受登记终止")
    INELIGIBLE = "ineligible", _("不再符合条件")


class PaymentOutcome(models.TextChoices):
    PAID = "paid", _("成功")
    FAILED = "failed", _("失败")
