from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class LivingSituation(models.TextChoices):
    ALONE = "alone", _("独居")
    EMPTY_NEST = "empty_nest", _("空巢")
    LEFT_BEHIND = "left_behind", _("留守")
    WITH_CHILDREN = "with_children", _("与子女同住")
    WITH_SPOUSE = "with_spouse", _("与配偶同住")
    INSTITUTION = "institution", _("入住养老机构")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    ACTIVE = "active", _("在册")
    MOVED_AWAY = "moved_away", _("迁出")
    DECEASED = "deceased", _("死亡")
    MERGED = "merged", _("已合并")


class Category(models.TextChoices):
    TEKUN = "tekun", _("特困供养")
    DIBAO = "dibao", _("低保")
    DIBAO_EDGE = "dibao_edge", _("低保边缘")
    ECONOMIC_HARDSHIP = "economic_hardship", _("经济困难")
    FAMILY_PLANNING_SPECIAL = "family_planning_special", _("计划生育特殊家庭")
    SEVERE_DISABILITY = "severe_disability", _("重度残疾")
    VETERAN = "veteran", _("退役军人及其他优抚对象")


class ContactKind(models.TextChoices):
    GUARDIAN = "guardian", _("监护人")
    EMERGENCY = "emergency", _("紧急联系人")


class AgeBand(models.TextChoices):
    B60 = "60-69", _("60–69岁")
    B70 = "70-79", _("70–79岁")
    B80 = "80-89", _("80–89岁")
    B90 = "90-99", _("90–99岁")
    B100 = "100+", _("100岁及以上")


AGE_BANDS: dict[str, tuple[int, int | None]] = {
    "60-69": (60, 69),
    "70-79": (70, 79),
    "80-89": (80, 89),
    "90-99": (90, 99),
    "100+": (100, None),
}
