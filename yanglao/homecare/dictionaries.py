"""The module's code list: 服务项目类别 (item kinds of the purchased-service catalogue)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yanglao.core.dictionaries import Dictionary, register_dictionary, register_usage

ITEM_KINDS = (("meal", "助餐", "Meals"), ("cleaning", "助洁", "Cleaning"), ("bathing", "助浴", "Bathing"),
              ("medical", "助医", "Medical escort"), ("mobility", "助行", "Walking aid"),
              ("emergency", "助急", "Emergency help"), ("rehab", "康复护理", "Rehabilitation and nursing"),
              ("comfort", "精神慰藉", "Companionship"))


def register() -> None:
    register_dictionary(Dictionary("homecare_item_kind", _("居家服务项目类别"), max_code_length=16, builtin=ITEM_KINDS,
                                   note=_("政府购买居家社区养老服务项目清单的项目类别；县（市、区）可增加本地类别。")))
    register_usage("homecare_item_kind", "homecare.ServiceItem", "kind")
