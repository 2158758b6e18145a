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
        from . import notices

        notices.register()  # the bed-offer SMS, the declined notice and the deadline reminder (yanglao/notices)

        from . import documents

        documents.register()

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

        from django.utils.translation import gettext_lazy as _

        from yanglao.core.selectors import register_workbench_card
        from yanglao.core.todos import register_todo

        from . import workbench

        register_todo("admissions.offers", _("床位安排待答复"), workbench.todo_offers_pending,
                      capability=("admissions.offer", "admissions.view"))
        register_todo("admissions.waiting", _("轮候中的入住申请"), workbench.todo_applications_waiting,
                      capability=("admissions.offer", "admissions.view"))
        operator = {Role.INSTITUTION_OPERATOR}
        register_workbench_card("own_waiting", _("轮候人数"), workbench.operator_waiting, roles=operator)
        register_workbench_card("own_offers", _("待答复床位安排"), workbench.operator_offers_pending, roles=operator)
