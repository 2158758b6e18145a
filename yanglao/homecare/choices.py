from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    VISIT = "visit", _("次")
    HOUR = "hour", _("小时")
    MEAL = "meal", _("餐")


class SkillLevel(models.TextChoices):
    # 养老护理员国家职业技能标准（2019年版）: 五级/初级工 … 一级/高级技师
    L5 = "5", _("五级/初级工")
    L4 = "4", _("四级/中级工")
    L3 = "3", _("三级/高级工")
    L2 = "2", _("二级/技师")
    L1 = "1", _("一级/高级技师")


class OrderSource(models.TextChoices):
    COMMUNITY = "community", _("社区登记")
    HOTLINE = "hotline", _("12349热线")
    PLAN = "plan", _("服务计划")


class OrderStatus(models.TextChoices):
    REQUESTED = "requested", _("待派单")
    DISPATCHED = "dispatched", _("待接单")
    ACCEPTED = "accepted", _("已接单")
    IN_SERVICE = "in_service", _("服务中")
    COMPLETED = "completed", _("已完成")
    RATED = "rated", _("已评价")
    CANCELLED = "cancelled", _("已取消")


BILLABLE = ("completed", "rated")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    FOLLOWING = "following", _("跟进中")
    CLOSED = "closed", _("已办结")


class SettlementStatus(models.TextChoices):
    PREPARED = "prepared", _("待复核")
    APPROVED = "approved", _("已审核")
    CANCELLED = "cancelled", _("已作废")


class FacilityKind(models.TextChoices):
    CENTRE = "centre", _("镇街综合养老服务中心")
    DAY_CARE = "day_care", _("日间照料中心")
    CANTEEN = "canteen", _("长者饭堂")
    MEAL_POINT = "meal_point", _("助餐点")
    MUTUAL_AID = "mutual_aid", _("农村互助幸福院")


class Function(models.TextChoices):
    FULL_CARE = "full_care", _("全托")
    DAY_CARE = "day_care", _("日托")
    HOME_VISIT = "home_visit", _("上门服务")
    GUIDANCE = "guidance", _("对下指导")
    MEALS = "meals", _("助餐")


class MealKind(models.TextChoices):
    LUNCH = "lunch", _("午餐")
    DINNER = "dinner", _("晚餐")


class PayMethod(models.TextChoices):
    BALANCE = "balance", _("餐卡余额")
    CASH = "cash", _("现金/扫码")
