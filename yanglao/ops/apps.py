from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the platform in production: health, metrics, logs, workers, backups, key rotation."""

    name = "yanglao.ops"
    label = "ops"
    verbose_name = "运行维护"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from .logs import clear_context

        request_finished.connect(clear_context, dispatch_uid="yanglao.ops.clear_log_context")
