from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "yanglao.assessments"
    label = "assessments"
    verbose_name = "能力评估"

    def ready(self) -> None:
        from yanglao.core.roles import Role, register_capabilities
        from yanglao.people.services import register_person_division_copy

        from .models import Assessment

        register_person_division_copy(Assessment)

        view = {"assessments.view"}
        staff = view | {"assessments.request", "assessments.figures", "assessments.export"}
        county = staff | {"assessments.schedule", "assessments.review", "assessments.import"}
        register_capabilities({
            Role.CITY_ADMIN: county,
            Role.COUNTY_STAFF: county,
            Role.TOWNSHIP_STAFF: staff,
            Role.COMMUNITY_WORKER: view | {"assessments.request"},
            Role.ASSESSOR: view | {"assessments.record"},
            Role.INSTITUTION_OPERATOR: view,
        })
