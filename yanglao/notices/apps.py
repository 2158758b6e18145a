from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "yanglao.notices"
    label = "notices"
    verbose_name = "消息中心"

    def ready(self) -> None:
        from yanglao.core.roles import Role, register_capabilities

        staff = {"notices.sms_view", "notices.sms_optout"}
        register_capabilities({
            Role.CITY_ADMIN: staff | {"notices.sms_templates"},
            Role.COUNTY_STAFF: staff,
            Role.TOWNSHIP_STAFF: staff,
            Role.COMMUNITY_WORKER: staff,
        })
