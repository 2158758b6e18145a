"""What the public portal publishes beyond the modules' own records: policy texts in plain language, the
investor support measures (扶持政策措施清单), and each care home's public listing (price range, introduction,
photo). Everything else on the portal is read live from the modules (institutions, homecare, benefits,
supervision)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel


class PolicyKind(models.TextChoices):
    SUBSIDY = "subsidy", _("补贴津贴")
    SERVICE = "service", _("服务政策")
    SUPPORT = "support", _("扶持政策措施")


class PolicyText(AuditedModel):
    """One policy as the public reads it: who it is for and what they get, in plain words, with the document
    behind it (number, issuer, date, link). A subsidy text may point at the benefits programme that pays it,
    so its current amounts come from the programme's bands, never from a copy."""

    kind = models.CharField(_("类别"), max_length=10, choices=PolicyKind.choices)
    title = models.CharField(_("标题"), max_length=100)
    audience = models.CharField(_("适用对象"), max_length=200)
    summary = models.TextField(_("通俗说明"), help_text=_("用老年人听得懂的话写：谁能享受、享受什么、怎么申请。"))
    how_to_apply = models.TextField(_("怎么申请"), blank=True)
    programme = models.ForeignKey("benefits.Programme", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("对应津补贴项目"))
    document_title = models.CharField(_("文件名称"), max_length=200)
    document_no = models.CharField(_("文号"), max_length=120, blank=True)
    issuing_unit = models.CharField(_("发文单位"), max_length=100, blank=True)
    issued_on = models.DateField(_("发文日期"), null=True, blank=True)
    document_url = models.URLField(_("原文链接"), blank=True)
    department = models.CharField(_("责任单位"), max_length=100, blank=True)  # for support measures
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    published = models.BooleanField(_("公开"), default=True)

    class Meta:
        ordering = ["kind", "order", "pk"]
        verbose_name = _("政策公开文本")
        verbose_name_plural = _("政策公开文本")

    def __str__(self) -> str:
        return self.title


class InstitutionListing(AuditedModel):
    """A care home's public listing: the monthly price range it charges and a short introduction, kept by
    city staff from the home's published price list. Optional: a home without one shows "价格请咨询机构"."""

    institution = models.OneToOneField("institutions.Institution", on_delete=models.CASCADE,
                                       related_name="public_listing", verbose_name=_("养老机构"))
    price_min = models.DecimalField(_("月收费下限（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    price_max = models.DecimalField(_("月收费上限（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    price_note = models.CharField(_("收费说明"), max_length=200, blank=True)
    introduction = models.TextField(_("机构简介"), blank=True)
    photo = models.ImageField(_("机构照片"), upload_to="portal/photos/%Y/", blank=True)
    audit_exclude_fields = ("created_at", "updated_at", "version", "photo")

    class Meta:
        verbose_name = _("机构公开信息")
        verbose_name_plural = _("机构公开信息")
        constraints = [
            models.CheckConstraint(condition=Q(price_min__isnull=True) | Q(price_min__gte=0), name="listing_price_min_ge_0"),
            models.CheckConstraint(condition=Q(price_min__isnull=True) | Q(price_max__isnull=True)
                                   | Q(price_max__gte=F("price_min")), name="listing_price_range_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id}"
