"""Settings for the test suite: the real settings, with a demo key and two-factor off by default.

Tests that prove two-factor enforcement switch it on with override_settings.
"""

import os

os.environ.setdefault("YANGLAO_DEMO", "true")
os.environ.setdefault("YANGLAO_REQUIRE_2FA", "false")

from yanglao.config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; production uses PBKDF2
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": TASK_QUEUES}}  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
