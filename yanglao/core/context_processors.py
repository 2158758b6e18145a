"""What every console page needs: the navigation and the signed-in account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .links import can_open


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any
    url_name: str | None
    capability: str | None = None
    icon: str = "•"

    def url(self) -> str | None:
        if not self.url_name:
            return None
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


# The modules of the platform, in the order of the policy's capability map. A module whose pages
# are not installed yet is shown as "建设中" so staff see what is coming.
NAV: list[NavItem] = [
    NavItem("home", _("工作台"), "core:home", None, "⌂"),
    NavItem("divisions", _("行政区划"), "core:divisions", "divisions.view", "▦"),
    NavItem("people", _("老年人档案"), "people:list", "people.view", "☺"),
    NavItem("assessments", _("能力评估"), "assessments:list", "assessments.view", "✎"),
    NavItem("benefits", _("津贴补贴"), "benefits:home", "benefits.view", "¥"),
    NavItem("institutions", _("养老机构"), "institutions:list", "institutions.view", "⌂"),
    NavItem("admissions", _("评估轮候"), "admissions:list", "admissions.view", "☰"),
    NavItem("homecare", _("居家社区养老"), "homecare:home", "homecare.view", "☂"),
    NavItem("visits", _("定期探访"), "visits:home", "visits.view", "☏"),
    NavItem("alarms", _("紧急救援"), "alarms:console", "alarms.view", "⚠"),
    NavItem("timebank", _("时间银行"), "timebank:home", "timebank.view", "⌛"),
    NavItem("workforce", _("养老人才"), "workforce:home", "workforce.view", "♙"),
    NavItem("supervision", _("综合监管"), "supervision:overview", "supervision.view", "⚖"),
    NavItem("planning", _("规划与配建"), "planning:home", "planning.view", "⌖"),
    NavItem("prepaid", _("预收费监管"), "prepaid:home", "prepaid.view", "¤"),
    NavItem("funding", _("资金保障"), "funding:home", "funding.view", "¥"),
    NavItem("exchanges", _("数据交换"), "exchanges:home", "exchanges.view", "⇄"),
    NavItem("portal", _("信息公开"), "portal_console:index", "portal.view", "☷"),
    NavItem("policytasks", _("政策督办"), "policytasks:list", "policytasks.view", "✓"),
    NavItem("dashboard", _("指标监测"), "dashboard:home", "dashboard.view", "▤"),
    NavItem("documents", _("文书打印"), "documents:home", "documents.view", "⎘"),
    NavItem("notices", _("消息中心"), "notices:inbox", None, "✉"),
    NavItem("audit", _("审计日志"), "core:audit", "audit.view", "⎙"),
    NavItem("accounts", _("系统管理 · 账户管理"), "core:accounts", "accounts.manage", "⚙"),
    NavItem("dictionaries", _("系统管理 · 字典管理"), "core:dictionaries", "dictionaries.manage", "≡"),
]


def console(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for item in NAV:
        url = item.url()
        if url and ((item.capability and not user.can(item.capability)) or not can_open(user, url)):
            continue  # the menu shows what the view behind it would open (core/links.py)
        active = bool(url) and (request.path == url if url == "/" else request.path.startswith(url))
        items.append(
            {"key": item.key, "label": item.label, "url": url, "icon": item.icon, "ready": url is not None, "active": active}
        )
    return {"nav_items": items}
