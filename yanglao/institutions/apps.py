from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "yanglao.institutions"
    label = "institutions"
    verbose_name = "养老机构"

    def ready(self) -> None:
        from yanglao.core.roles import Role, register_capabilities

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
