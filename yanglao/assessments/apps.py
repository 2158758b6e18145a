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
        from . import notices

        notices.register()  # notice kinds, the appointment SMS and the daily reminder (yanglao/notices)

        from . import bulk

        bulk.register()  # bulk actions of the due list and the assessment list (core/bulkactions.py)

        from . import documents

        documents.register()

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

        from django.utils.translation import gettext_lazy as _

        from yanglao.core.todos import register_todo, register_workbench_panel

        from . import workbench

        register_todo("assessments.to_record", _("待录入的评估"), workbench.todo_to_record,
                      capability=("assessments.record", "assessments.view"))
        register_todo("assessments.to_review", _("待审核的评估"), workbench.todo_to_review,
                      capability=("assessments.review", "assessments.view"))
        register_todo("assessments.overdue", _("逾期未复评"), workbench.todo_reassessments_overdue,
                      capability="assessments.figures")
        register_todo("assessments.due", _("30天内到期需复评"), workbench.todo_reassessments_due,
                      capability="assessments.figures")
        register_workbench_panel("assessments.visits", "assessments/_workbench_visits.html", workbench.assessor_panel,
                                 capability="assessments.record", roles={Role.ASSESSOR})
