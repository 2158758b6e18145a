from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "yanglao.funding"
    label = "funding"
    verbose_name = "资金保障"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yanglao.core.roles import Role, register_capabilities
        from yanglao.core.todos import register_todo

        from . import dictionaries, workbench

        dictionaries.register()
        view = {"funding.view", "funding.export"}
        # City and county staff keep their level's budgets, spending and lottery-fund totals and report the year;
        # the city approves (locks) a year's figures; the auditor reads and exports everything in the city.
        register_capabilities({
            Role.CITY_ADMIN: view | {"funding.manage", "funding.approve"},
            Role.COUNTY_STAFF: view | {"funding.manage"},
            Role.AUDITOR: view,
        })
        register_todo("funding.submitted", _("资金年度数据待审定"), workbench.todo_submitted,
                      capability=("funding.approve",))
        register_todo("funding.returned", _("资金年度数据被退回"), workbench.todo_returned,
                      capability=("funding.manage",))
