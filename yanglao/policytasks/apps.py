from django.apps import AppConfig


class PolicytasksConfig(AppConfig):
    name = "yanglao.policytasks"
    label = "policytasks"
    verbose_name = "政策督办"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yanglao.core.roles import Role, register_capabilities
        from yanglao.core.selectors import register_workbench_card
        from yanglao.core.todos import register_todo

        from . import documents, notices, workbench

        view = {"policytasks.view", "policytasks.export"}
        register_capabilities({
            # The bureau supervises every task, consolidates the ones it leads and may enter a unit's report for it.
            Role.CITY_ADMIN: view | {"policytasks.report", "policytasks.consolidate", "policytasks.manage"},
            # A county's staff report for their county's government (各县（市、区）人民政府: one assignment per county).
            Role.COUNTY_STAFF: view | {"policytasks.report"},
            # A city department (责任单位) reports on its tasks and consolidates the ones it leads.
            Role.RESPONSIBLE_UNIT: view | {"policytasks.report", "policytasks.consolidate"},
            Role.AUDITOR: {"policytasks.view"},
        })
        register_todo("policytasks.late", _("政策任务逾期或临近到期"), workbench.todo_late,
                      capability=("policytasks.report",))
        register_todo("policytasks.unreported", _("本月尚未报送进展的政策任务"), workbench.todo_unreported,
                      capability=("policytasks.report",))
        register_workbench_card("policytasks_overdue", _("政策任务逾期"), workbench.card_overdue,
                                capability="policytasks.view")
        notices.register()
        documents.register()
