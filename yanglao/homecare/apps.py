from django.apps import AppConfig


class HomecareConfig(AppConfig):
    name = "yanglao.homecare"
    label = "homecare"
    verbose_name = "居家社区养老"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yanglao.core.roles import Role, register_capabilities
        from yanglao.core.todos import register_todo

        from . import dictionaries, workbench

        dictionaries.register()
        view = {"homecare.view"}
        order = view | {"homecare.order"}
        # City and county staff keep the catalogue, providers, contracts and facilities, prepare settlements
        # and approve them (two different people: the database refuses one person signing twice). Townships
        # and communities take requests and hotline calls and dispatch; providers serve; auditors read.
        register_capabilities({
            Role.CITY_ADMIN: order | {"homecare.configure", "homecare.settle", "homecare.approve", "homecare.export",
                                      "homecare.meals"},
            Role.COUNTY_STAFF: order | {"homecare.configure", "homecare.settle", "homecare.approve",
                                        "homecare.export", "homecare.meals"},
            Role.TOWNSHIP_STAFF: order | {"homecare.meals"},
            Role.COMMUNITY_WORKER: order | {"homecare.meals"},
            Role.SERVICE_PROVIDER: view | {"homecare.serve"},
            Role.AUDITOR: view | {"homecare.export"},
            Role.INSPECTOR: view,
        })
        register_todo("homecare.to_dispatch", _("待派单的居家服务工单"), workbench.todo_to_dispatch,
                      capability=("homecare.order",))
        register_todo("homecare.to_accept", _("待接单的服务工单"), workbench.todo_to_accept,
                      capability=("homecare.serve",))
        register_todo("homecare.to_serve", _("已接单待上门的服务"), workbench.todo_to_serve,
                      capability=("homecare.serve",))
        register_todo("homecare.settlements", _("待复核的居家服务结算"), workbench.todo_settlements,
                      capability=("homecare.approve",))
        register_todo("homecare.complaints", _("待处理的服务投诉"), workbench.todo_complaints,
                      capability=("homecare.order",))

        from yanglao.benefits.reports import register_report_figure

        from .selectors import benefits_report_figure

        register_report_figure("homecare", benefits_report_figure)
