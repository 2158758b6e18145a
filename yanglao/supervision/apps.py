from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "yanglao.supervision"
    label = "supervision"
    verbose_name = "综合监管"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yanglao.core.roles import Role, register_capabilities
        from yanglao.core.todos import register_todo

        from . import workbench

        view = {"supervision.view"}
        register_capabilities({
            Role.CITY_ADMIN: view | {"supervision.manage", "supervision.calendar", "supervision.complaints",
                                     "supervision.export"},
            Role.COUNTY_STAFF: view | {"supervision.complaints"},
            Role.INSPECTOR: view | {"supervision.manage", "supervision.inspect", "supervision.complaints",
                                    "supervision.export"},
            Role.AUDITOR: view,
        })
        register_todo("supervision.publish_due", _("待公示的检查结果"), workbench.todo_publish_due,
                      capability="supervision.manage")
        register_todo("supervision.inspections", _("待开展或进行中的检查"), workbench.todo_inspections,
                      capability="supervision.inspect")
        register_todo("supervision.rectifications", _("整改期限将到或已过的整改通知"), workbench.todo_rectifications,
                      capability="supervision.inspect")
        register_todo("supervision.calendar", _("工作日历缺少年度节假日安排"), workbench.todo_calendar,
                      capability="supervision.calendar")
        register_todo("supervision.complaints", _("未办结的投诉举报"), workbench.todo_complaints,
                      capability="supervision.complaints")
