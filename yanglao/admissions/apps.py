from django.apps import AppConfig


class AdmissionsConfig(AppConfig):
    name = "yanglao.admissions"
    label = "admissions"
    verbose_name = "评估轮候"

    def ready(self) -> None:
        from yanglao.core.roles import Role, register_capabilities
        from yanglao.people.services import register_person_division_copy

        from .models import Application

        register_person_division_copy(Application)

        from yanglao.assessments.selectors import register_organisation_link

        from .selectors import applicants_of_organisation

        register_organisation_link(applicants_of_organisation)

        staff = {"admissions.view", "admissions.apply", "admissions.offer"}
        register_capabilities({
            Role.CITY_ADMIN: staff | {"admissions.configure"},
            Role.COUNTY_STAFF: staff,
            Role.TOWNSHIP_STAFF: {"admissions.view", "admissions.apply"},
            Role.COMMUNITY_WORKER: {"admissions.view", "admissions.apply"},
            Role.INSTITUTION_OPERATOR: {"admissions.view", "admissions.offer"},
        })
