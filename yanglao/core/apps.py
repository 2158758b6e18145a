from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yanglao.core"
    label = "core"
    verbose_name = "基础平台"

    def ready(self) -> None:
        from . import audit  # noqa: F401  (connects the audit signals)
