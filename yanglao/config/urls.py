"""URLs: console pages per module, the API under /api/v1/, its schema under /api/, public pages under /public/."""

from importlib.util import find_spec

from django.urls import include, path

from yanglao.core.api import urls as api_urls

# Each module's pages live under /<module>/ (its urls.py) and its public pages under /public/<module>/
# (its public_urls.py, no sign-in). A module without them simply has none yet.
from yanglao.modules import MODULES

urlpatterns = [
    path("health/", include("yanglao.ops.urls")),  # /health/live, /health/ready (docs/deployment.md)
    path("metrics", include("yanglao.ops.metrics_urls")),  # Prometheus, for allowed addresses or a token
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_urls.urlpatterns_v1())),
    path("api/", include(api_urls.schema)),
]
for module in MODULES:
    if find_spec(f"yanglao.{module}.urls"):
        urlpatterns.append(path(f"{module}/", include(f"yanglao.{module}.urls")))
    if module != "portal" and find_spec(f"yanglao.{module}.public_urls"):
        urlpatterns.append(path(f"public/{module}/", include(f"yanglao.{module}.public_urls")))
# The public portal (issue 15) is the frame of every public page: its home is /public/ itself, after the
# modules' own /public/<module>/ pages.
if "portal" in MODULES:
    urlpatterns.append(path("public/", include("yanglao.portal.public_urls")))
urlpatterns.append(path("", include("yanglao.core.urls")))


def handler404(request, exception=None):  # type: ignore[no-untyped-def]
    from django.views.defaults import page_not_found

    from yanglao.core.api.errors import json_not_found

    if request.path.startswith("/api/"):
        return json_not_found(request, exception)
    return page_not_found(request, exception)


def handler500(request):  # type: ignore[no-untyped-def]
    """The API answers in its error shape; a page answers in Chinese inside the layout, with a way back.
    If the layout itself fails, a plain page says the same (Django's bare English page is never shown)."""
    from django.http import HttpResponseServerError
    from django.template import loader

    from yanglao.core.api.errors import json_server_error
    from yanglao.ops.middleware import database_unavailable, is_outage

    if is_outage():  # the database went away (restart, failover): 503 and "try again", not "internal error"
        return database_unavailable(request)
    if request.path.startswith("/api/"):
        return json_server_error(request)
    try:
        body = loader.render_to_string("500.html", {"request": request, "user": getattr(request, "user", None)},
                                       request=request)
    except Exception:  # noqa: BLE001 - the error page must not fail in turn
        body = loader.render_to_string("500_plain.html")
    return HttpResponseServerError(body)
