from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "yanglao.institutions"
    label = "institutions"
    verbose_name = "养老机构"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yanglao.assessments.selectors import register_organisation_link
        from yanglao.core.roles import Role, register_capabilities
        from yanglao.core.selectors import register_workbench_card

        from .selectors import residents_of_organisation, workbench_beds, workbench_institutions

        register_organisation_link(residents_of_organisation)
        register_workbench_card("institutions", _("养老机构"), workbench_institutions)
        register_workbench_card("beds", _("床位（护理型占比）"), workbench_beds)

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
