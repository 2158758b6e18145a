from django.apps import AppConfig


class PrepaidConfig(AppConfig):
    name = "yanglao.prepaid"
    label = "prepaid"
    verbose_name = "预收费监管"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yanglao.core.roles import Role, register_capabilities
        from yanglao.core.selectors import register_workbench_card
        from yanglao.core.todos import register_todo

        from . import workbench

        view = {"prepaid.view"}
        supervise = view | {"prepaid.reconcile", "prepaid.cases"}
        register_capabilities({
            Role.CITY_ADMIN: supervise | {"prepaid.configure"},
            Role.COUNTY_STAFF: supervise | {"prepaid.file", "prepaid.record"},  # 代录: paper filings
            Role.INSPECTOR: view,
            Role.AUDITOR: view,
            # An institution files its own home's records: accounts, money in and out, monthly reports,
            # its own custody statements and its closure. Scope (its organisation) decides which home.
            Role.INSTITUTION_OPERATOR: view | {"prepaid.record", "prepaid.file"},
        })
        register_todo("prepaid.warnings", _("预收费风险预警待处置"), workbench.todo_warnings,
                      capability="prepaid.cases")
        register_todo("prepaid.refunds", _("停业机构应退老年人预收费"), workbench.todo_refunds,
                      capability="prepaid.cases")
        register_todo("prepaid.cases", _("存管对账差异案件"), workbench.todo_cases, capability="prepaid.cases")
        register_todo("prepaid.imports", _("待确认的存管对账单"), workbench.todo_imports,
                      capability="prepaid.reconcile")
        register_todo("prepaid.report_due", _("上月预收费余额未报送的机构"), workbench.todo_report_due,
                      capability="prepaid.record")
        register_workbench_card("prepaid_held", _("养老机构预收费余额"), workbench.card_held,
                                capability="prepaid.cases")
