from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "yanglao.workforce"
    label = "workforce"
    verbose_name = "养老人才"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yanglao.core.roles import Role, register_capabilities
        from yanglao.core.todos import register_todo

        from . import workbench

        staff = {"workforce.view", "workforce.manage"}
        register_capabilities({
            Role.CITY_ADMIN: staff,
            Role.COUNTY_STAFF: staff,
            Role.TOWNSHIP_STAFF: {"workforce.view"},
            Role.INSPECTOR: {"workforce.view"},
            Role.INSTITUTION_OPERATOR: {"workforce.view"},
        })
        register_todo("workforce.expiring", _("护理员证书即将到期"), workbench.todo_expiring,
                      capability=("workforce.manage",))
