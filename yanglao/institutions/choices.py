from django.db import models
from django.utils.translation import gettext_lazy as _


class Ownership(models.TextChoices):
    PUBLIC = "public", _("公办")
    PUBLIC_PRIVATE = "public_private", _("公建民营")
    PRIVATE_NONPROFIT = "private_nonprofit", _("民办非营利")
    PRIVATE_FORPROFIT = "private_forprofit", _("民办营利")
    HK_MACAO = "hk_macao", _("港澳投资")


PUBLIC_OWNERSHIPS = (Ownership.PUBLIC, Ownership.PUBLIC_PRIVATE)


class LicenceKind(models.TextChoices):
    FILING = "filing", _("备案")
    LICENCE = "licence", _("设立许可")


class FireSafety(models.TextChoices):
    PASSED = "passed", _("已通过消防验收/备案")
    PENDING = "pending", _("整改中")
    FAILED = "failed", _("未通过")
    UNKNOWN = "unknown", _("未登记")


class OutletKind(models.TextChoices):
    BRANCH = "branch", _("分支机构")
    OUTLET = "outlet", _("服务网点")


class AgreementKind(models.TextChoices):
    APPOINTMENT = "appointment", _("预约就诊")
    REFERRAL = "referral", _("双向转诊")
    BOTH = "both", _("预约就诊和双向转诊")


class BedType(models.TextChoices):
    NURSING = "nursing", _("护理型")
    ORDINARY = "ordinary", _("普通型")


class BedStatus(models.TextChoices):
    VACANT = "vacant", _("空闲")
    OCCUPIED = "occupied", _("已入住")
    RESERVED = "reserved", _("已预留")
    OUT_OF_SERVICE = "out_of_service", _("停用")


STAR_NAMES = {0: _("未评定"), 1: _("一星级"), 2: _("二星级"), 3: _("三星级"), 4: _("四星级"), 5: _("五星级")}
