from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the platform in production: health, metrics, logs, workers, backups, key rotation."""

    name = "yanglao.ops"
    label = "ops"
    verbose_name = "运行维护"
    default_auto_field = "django.db.models.BigAutoField"
