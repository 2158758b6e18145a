"""The module's code lists: 资金来源 (funding_source) and 支出用途 (funding_purpose).

Built-in codes are protected: the lottery-fund share reads the source code ``lottery`` and the platform's own
payments are filed under the built-in purposes (see ``streams.py``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yanglao.core.dictionaries import Dictionary, register_dictionary, register_usage

LOTTERY = "lottery"

SOURCES = (("general", "一般公共预算", "General public budget"),
           (LOTTERY, "福利彩票公益金", "Welfare lottery public-welfare funds"),
           ("central", "中央转移支付", "Central transfer payments"),
           ("province", "省级转移支付", "Provincial transfer payments"),
           ("social", "社会资金", "Social funds"),
           ("other", "其他资金", "Other funds"))
PURPOSES = (("institution", "机构建设与运营补贴", "Institution construction and operating subsidies"),
            ("homecare", "居家社区服务", "Home and community services"),
            ("purchase", "购买服务", "Purchase of services"),
            ("allowance", "高龄津贴等补贴", "Old-age allowances and other subsidies"),
            ("training", "人才培训", "Workforce training"),
            ("informatization", "信息化建设", "Information systems"),
            ("other", "其他养老服务支出", "Other elderly-care spending"))
SOURCE_ALIASES = {"一般预算": "general", "财政预算": "general", "本级财政": "general", "一般公共预算资金": "general",
                  "福彩公益金": LOTTERY, "福利彩票公益金": LOTTERY, "彩票公益金": LOTTERY, "本级福彩公益金": LOTTERY,
                  "中央资金": "central", "中央财政": "central", "中央补助": "central",
                  "省级资金": "province", "省财政": "province", "省补助": "province", "省级补助": "province",
                  "社会捐赠": "social", "社会资本": "social"}
PURPOSE_ALIASES = {"机构补贴": "institution", "机构建设": "institution", "运营补贴": "institution",
                   "建设补贴": "institution", "居家养老": "homecare", "社区养老": "homecare",
                   "居家社区养老服务": "homecare", "政府购买服务": "purchase", "购买养老服务": "purchase",
                   "高龄津贴": "allowance", "津贴补贴": "allowance", "补贴": "allowance", "培训": "training",
                   "人才培养": "training", "信息化": "informatization", "平台建设": "informatization", "其他": "other"}


def register() -> None:
    register_dictionary(Dictionary("funding_source", _("养老资金来源"), max_code_length=16, builtin=SOURCES,
                                   aliases=SOURCE_ALIASES,
                                   note=_("“福利彩票公益金”用于计算福彩公益金用于养老服务的比例（不低于55%）；"
                                          "可增加本地来源。")))
    register_dictionary(Dictionary("funding_purpose", _("养老资金用途"), max_code_length=16, builtin=PURPOSES,
                                   aliases=PURPOSE_ALIASES,
                                   note=_("平台内发放的资金按内置用途归集；县（市、区）可增加本地用途。")))
    for model in ("funding.Budget", "funding.Spending"):
        register_usage("funding_source", model, "source")
        register_usage("funding_purpose", model, "purpose")
    register_usage("funding_source", "funding.StreamSource", "source")
