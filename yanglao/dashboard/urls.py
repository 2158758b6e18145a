from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("indicators/", views.registry, name="registry"),
    path("indicators/<slug:key>/", views.indicator, name="indicator"),
    path("screen/", views.screen, name="screen"),
    path("manual/", views.manual_list, name="manual"),
    path("manual/new/", views.manual_new, name="manual_new"),
    path("refresh/", views.refresh, name="refresh"),
]
