"""URLs: console pages per module, the API under /api/v1/, its schema under /api/."""

from django.urls import include, path

from yanglao.core.api import urls as api_urls

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_urls.urlpatterns_v1())),
    path("api/", include(api_urls.schema)),
    path("people/", include("yanglao.people.urls")),
    path("", include("yanglao.core.urls")),
]


def handler404(request, exception=None):  # type: ignore[no-untyped-def]
    from django.views.defaults import page_not_found

    from yanglao.core.api.errors import json_not_found

    if request.path.startswith("/api/"):
        return json_not_found(request, exception)
    return page_not_found(request, exception)


def handler500(request):  # type: ignore[no-untyped-def]
    from django.views.defaults import server_error

    from yanglao.core.api.errors import json_server_error

    if request.path.startswith("/api/"):
        return json_server_error(request)
    return server_error(request)
