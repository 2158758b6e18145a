from django.apps import AppConfig


class AlarmsConfig(AppConfig):
    name = "yanglao.alarms"
    label = "alarms"
    verbose_name = "紧急救援"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yanglao.core.roles import Role, register_capabilities
        from yanglao.core.todos import register_todo
        from yanglao.people.services import register_person_division_copy

        from . import workbench
        from .models import Alarm, Device, Incident

        for model in (Device, Incident):
            register_person_division_copy(model)
        register_person_division_copy(Alarm, "device__person")

        # Duty operators are county and township staff (alarms.handle); the city watches the figures.
        register_capabilities({
            Role.CITY_ADMIN: {"alarms.view"},
            Role.COUNTY_STAFF: {"alarms.view", "alarms.handle", "alarms.devices"},
            Role.TOWNSHIP_STAFF: {"alarms.view", "alarms.handle", "alarms.devices"},
            Role.COMMUNITY_WORKER: {"alarms.view"},
        })
        register_todo("alarms.unacknowledged", _("待响应的紧急救援事件"), workbench.todo_unacknowledged,
                      capability="alarms.handle")
        register_todo("alarms.follow_up", _("结案后待回访的救援事件"), workbench.todo_follow_up,
                      capability="alarms.handle")
