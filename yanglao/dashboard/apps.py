from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "yanglao.dashboard"
    label = "dashboard"
    verbose_name = "指标监测"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yanglao.core.roles import Role, register_capabilities
        from yanglao.core.selectors import register_workbench_card

        from . import workbench

        register_capabilities({
            Role.CITY_ADMIN: {"dashboard.view", "dashboard.manage"},
            Role.COUNTY_STAFF: {"dashboard.view", "dashboard.manage"},
            Role.TOWNSHIP_STAFF: {"dashboard.view"},
            Role.INSPECTOR: {"dashboard.view"},
            Role.AUDITOR: {"dashboard.view"},
        })
        register_workbench_card("dashboard", _("政策指标（达标/预警/未达标）"), workbench.card, capability="dashboard.view")
