from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "yanglao.institutions"
    label = "institutions"
    verbose_name = "养老机构"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from . import documents

        documents.register()

        from yanglao.assessments.selectors import register_organisation_link
        from yanglao.core.roles import Role, register_capabilities
        from yanglao.core.selectors import register_workbench_card

        from .selectors import residents_of_organisation, workbench_beds, workbench_institutions

        register_organisation_link(residents_of_organisation)
        from yanglao.core.roles import DIVISION_ROLES
        from yanglao.core.todos import register_todo

        from . import workbench

        register_workbench_card("institutions", _("养老机构"), workbench_institutions,
                                capability="institutions.view", roles=DIVISION_ROLES)
        register_workbench_card("beds", _("床位（护理型占比）"), workbench_beds,
                                capability="institutions.view", roles=DIVISION_ROLES)
        # The operator sees its own institution's figures, not the registry's.
        operator = {Role.INSTITUTION_OPERATOR}
        register_workbench_card("own_residents", _("在住老人"), workbench.operator_residents, roles=operator)
        register_workbench_card("own_beds", _("床位"), workbench.operator_beds, roles=operator)
        register_workbench_card("own_vacant_beds", _("空床"), workbench.operator_vacant_beds, roles=operator)
        inspector = {Role.INSPECTOR}
        register_workbench_card("fire_safety", _("消防验收未通过或整改中的机构"), workbench.inspector_fire_safety,
                                capability="institutions.view", roles=inspector)
        register_workbench_card("licences_expiring", _("备案/许可90天内到期或已过期"),
                                workbench.inspector_licences_expiring, capability="institutions.view", roles=inspector)
        register_todo("institutions.operating_runs", _("待审批的运营补贴"), workbench.todo_operating_runs,
                      capability=("institutions.subsidy_approve", "institutions.subsidy_prepare"))
        register_todo("institutions.change_requests", _("待审核的机构信息变更"), workbench.todo_change_requests,
                      capability=("institutions.change", "institutions.view"))

        view = {"institutions.view"}
        register_capabilities({
            Role.CITY_ADMIN: view | {"institutions.change", "institutions.rate", "institutions.subsidy_prepare",
                                     "institutions.subsidy_approve", "institutions.configure"},
            Role.COUNTY_STAFF: view | {"institutions.change", "institutions.rate", "institutions.subsidy_prepare",
                                       "institutions.subsidy_approve"},
            Role.TOWNSHIP_STAFF: view,
            Role.INSPECTOR: view,
            Role.AUDITOR: view,
            Role.INSTITUTION_OPERATOR: view | {"institutions.operate"},
        })
