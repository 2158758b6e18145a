from django.apps import AppConfig


class TimebankConfig(AppConfig):
    name = "yanglao.timebank"
    label = "timebank"
    verbose_name = "时间银行"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yanglao.core.roles import Role, register_capabilities
        from yanglao.core.todos import register_todo

        from . import workbench

        staff = {"timebank.view", "timebank.manage", "timebank.ledger"}
        register_capabilities({
            Role.CITY_ADMIN: staff | {"timebank.configure"},
            Role.COUNTY_STAFF: staff,
            Role.TOWNSHIP_STAFF: staff,
            Role.COMMUNITY_WORKER: staff,
            Role.INSPECTOR: {"timebank.view"},
        })
        register_todo("timebank.to_confirm", _("时间银行服务待确认"), workbench.todo_to_confirm,
                      capability=("timebank.manage",))
        register_todo("timebank.disputed", _("时间银行有异议的服务"), workbench.todo_disputed,
                      capability=("timebank.ledger",))
