from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "yanglao.visits"
    label = "visits"
    verbose_name = "定期探访"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yanglao.core.roles import Role, register_capabilities
        from yanglao.core.todos import register_todo
        from yanglao.people.services import register_person_change_listener, register_person_division_copy

        from . import workbench
        from .models import Referral, Visit, VisitConsent, VisitRecord

        for model in (Visit, VisitRecord, Referral, VisitConsent):
            register_person_division_copy(model)
        from .services import on_person_change

        register_person_change_listener(on_person_change)

        view = {"visits.view"}
        register_capabilities({
            Role.CITY_ADMIN: view | {"visits.plan", "visits.configure"},
            Role.COUNTY_STAFF: view | {"visits.plan", "visits.configure"},
            Role.TOWNSHIP_STAFF: view | {"visits.plan", "visits.record"},
            Role.COMMUNITY_WORKER: view | {"visits.record"},
        })
        register_todo("visits.mine_overdue", _("我的逾期探访"), workbench.todo_my_overdue, capability="visits.record")
        register_todo("visits.mine", _("本月待探访"), workbench.todo_my_month, capability="visits.record")
        register_todo("visits.supervised_overdue", _("督导对象的逾期探访"), workbench.todo_supervised_overdue,
                      capability="visits.view")
        register_todo("visits.unassigned", _("未分配探访人员的探访"), workbench.todo_unassigned, capability="visits.plan")
        register_todo("visits.referrals", _("探访转介待办结"), workbench.todo_referrals, capability="visits.plan")
