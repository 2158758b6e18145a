from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "yanglao.planning"
    label = "planning"
    verbose_name = "规划与配建"

    def ready(self) -> None:
        from yanglao.core.roles import Role, register_capabilities

        view = {"planning.view"}
        # City and county staff keep estates, leases, the area rules and the walking network and recompute the
        # circle; townships read their own area.
        register_capabilities({
            Role.CITY_ADMIN: view | {"planning.manage"},
            Role.COUNTY_STAFF: view | {"planning.manage"},
            Role.TOWNSHIP_STAFF: view,
        })
