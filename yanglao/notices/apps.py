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
        from django.utils.translation import gettext_lazy as _

        from .registry import register_notice_kind

        register_notice_kind("notices.system", _("系统通知"), description=_("平台维护、政策调整等通知"), mandatory=True)
        register_notice_kind("notices.sms_failed", _("短信未能送达"),
                             description=_("发给本辖区老年人或家属的短信多次重试仍未送达时，通知社区和镇（街道）工作人员电话联系"))
