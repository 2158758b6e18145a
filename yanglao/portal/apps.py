from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "yanglao.portal"
    label = "portal"
    verbose_name = "信息公开"

    def ready(self) -> None:
        from yanglao.core.roles import Role, register_capabilities

        from . import cache

        # City staff keep the public policy texts and the care homes' public listing; counties read them.
        register_capabilities({
            Role.CITY_ADMIN: {"portal.view", "portal.manage"},
            Role.COUNTY_STAFF: {"portal.view"},
        })
        cache.connect_invalidation()
