from typing import Any

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import views


class NumericLookupRouter(DefaultRouter):
    """Every record in the API is found by a number (an id, or a division code): a path whose lookup is
    not digits matches no route and answers 404 (instead of a redirect to the slashed form or a query).
    No `.json` format-suffix routes: the API speaks JSON only, and a suffix reached actions that take no
    `format` argument (a 500)."""

    include_format_suffixes = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._default_value_pattern = "[0-9]+"


router = NumericLookupRouter(trailing_slash=True)
router.register("divisions", views.DivisionViewSet, basename="division")


MODULE_PATHS: list = []


def register_module_routes() -> None:
    """Each module's api.py may define `register(router)` to add viewsets to the one router, and
    `urlpatterns` for paths outside it (placed before the router's, under /api/v1/)."""
    import importlib
    from importlib.util import find_spec

    from yanglao.modules import MODULES

    for module in MODULES:
        if find_spec(f"yanglao.{module}.api"):
            api = importlib.import_module(f"yanglao.{module}.api")
            if hasattr(api, "register"):
                api.register(router)
            MODULE_PATHS.extend(getattr(api, "urlpatterns", []))


register_module_routes()

# Each module adds its own routes to `router` from its api module (imported in config/urls.py).
v1 = [
    path("auth/token", views.TokenView.as_view(), name="api-token"),
    path("auth/token/revoke", views.TokenRevokeView.as_view(), name="api-token-revoke"),
    path("me/", views.MeView.as_view(), name="api-me"),
]

schema = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]


def urlpatterns_v1() -> list:
    return [*v1, *MODULE_PATHS, path("", include(router.urls))]
