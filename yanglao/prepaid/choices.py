from django.db import models
from django.utils.translation import gettext_lazy as _


class FeeKind(models.TextChoices):
    BED = "bed", _("床位费")
    CARE = "care", _("照料护理费")
    MEAL = "meal", _("餐费")
    DEPOSIT = "deposit", _("押金")
    MEMBERSHIP = "membership", _("会员费")


SERVICE_KINDS = (FeeKind.BED, FeeKind.CARE, FeeKind.MEAL)
# The balance column of each kind on PrepaidAccount.
BALANCE_FIELD = {
    FeeKind.BED: "bal_bed",
    FeeKind.CARE: "bal_care",
    FeeKind.MEAL: "bal_meal",
    FeeKind.DEPOSIT: "bal_deposit",
    FeeKind.MEMBERSHIP: "bal_membership",
}
MONTHLY_FIELD = {FeeKind.BED: "monthly_bed", FeeKind.CARE: "monthly_care", FeeKind.MEAL: "monthly_meal"}


class Direction(models.TextChoices):
    COLLECT = "collect", _("收取")
    CONSUME = "consume", _("按月结转")
    REFUND = "refund", _("退还")


class RuleKind(models.TextChoices):
    SERVICE_MONTHS = "service_months", _("服务费预收周期上限（月）")
    DEPOSIT_MULTIPLE = "deposit_multiple", _("押金上限（月床位费的倍数）")
    PUBLIC_NO_MEMBERSHIP = "public_no_membership", _("公办（含公建民营）机构不得收取会员费")
    NET_ASSETS = "net_assets", _("预收费总额上限（净固定资产的倍数）")


class RuleAction(models.TextChoices):
    REFUSE = "refuse", _("拒绝登记")
    FLAG = "flag", _("登记并预警")


class HomeStatus(models.TextChoices):
    OPERATING = "operating", _("正常运营")
    CLOSING = "closing", _("已公告停业")
    CLOSED = "closed", _("已停业")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    DISCARDED = "discarded", _("已放弃")


class ReportState(models.TextChoices):
    FILED = "filed", _("已报送")
    MATCHED = "matched", _("与存管对账单一致")
    GAP = "gap", _("与存管对账单不符")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("待分派")
    ASSIGNED = "assigned", _("处理中")
    CLOSED = "closed", _("已办结")


class WarningKind(models.TextChoices):
    GROWTH = "growth", _("预收资金增长快于入住人数")
    REFUND_DELAY = "refund_delay", _("退费超过约定期限")
    PUBLIC_MEMBERSHIP = "public_membership", _("公办机构收取会员费")
    CLOSURE = "closure", _("机构公告停业仍有未退余额")
    COMPLAINT = "complaint", _("非法集资投诉举报")
    LIMIT = "limit", _("预收费超过限额")


class WarningStatus(models.TextChoices):
    OPEN = "open", _("待处置")
    HANDLED = "handled", _("已处置")


class RefundStatus(models.TextChoices):
    OWED = "owed", _("待退还")
    PAID = "paid", _("已退还")
