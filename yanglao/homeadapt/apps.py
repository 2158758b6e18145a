from django.apps import AppConfig


class HomeadaptConfig(AppConfig):
    name = "yanglao.homeadapt"
    label = "homeadapt"
    verbose_name = "居家适老化改造、康复辅助器具与家庭照护床位"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yanglao.core.roles import Role, register_capabilities
        from yanglao.core.todos import register_todo, register_workbench_panel
        from yanglao.people.services import register_person_division_copy

        from . import workbench
        from .models import CareBed, Loan, Project

        for model in (Project, Loan, CareBed):
            register_person_division_copy(model)

        field = {"homeadapt.view", "homeadapt.beds", "homeadapt.manage"}
        register_capabilities({
            Role.CITY_ADMIN: {"homeadapt.view", "homeadapt.beds", "homeadapt.configure"},
            Role.COUNTY_STAFF: field | {"homeadapt.accept", "homeadapt.beds_manage"},
            Role.TOWNSHIP_STAFF: field,
            Role.COMMUNITY_WORKER: field,
            Role.INSTITUTION_OPERATOR: {"homeadapt.beds", "homeadapt.serve"},
        })

        register_todo("homeadapt.accept", _("适老化改造待验收"), workbench.todo_awaiting_acceptance,
                      capability="homeadapt.accept")
        register_todo("homeadapt.assess", _("适老化改造待评估"), workbench.todo_awaiting_assessment,
                      capability="homeadapt.manage")
        register_todo("homeadapt.overdue", _("辅助器具逾期未还"), workbench.todo_overdue_loans,
                      capability="homeadapt.manage")
        register_todo("homeadapt.beds_below", _("家庭照护床位本月服务未达约定次数"), workbench.todo_beds_below,
                      capability="homeadapt.beds")
        register_workbench_panel("homeadapt", "homeadapt/_workbench.html", workbench.panel, capability="homeadapt.beds")
