"""Settings for collecting static files in the tests: production's hashed names without compression."""

from yanglao.config.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "yanglao.ops.staticfiles.HashedStaticStorage"}}  # noqa: F405
