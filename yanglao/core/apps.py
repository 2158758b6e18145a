from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yanglao.core"
    label = "core"
    verbose_name = "基础平台"

    def ready(self) -> None:
        from . import audit  # noqa: F401  (connects the audit signals)
        from .todos import register_todo
        from .workbench import todo_security_events

        register_todo("core.security_events", _("近7天安全事件"), todo_security_events, capability="audit.view")
