"""The portal is mounted at /public/ itself (config/urls.py), after every module's /public/<module>/."""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("homes/", views.homes, name="homes"),
    path("homes/<int:pk>/", views.home_detail, name="home_detail"),
    path("services/", views.services, name="services"),
    path("policies/", views.policies, name="policies"),
    path("policies/<int:pk>/", views.policy_detail, name="policy"),
    path("inspections/", views.supervision, name="supervision"),
    path("lookup/", views.lookup, name="lookup"),
    path("language/<str:code>/", views.language, name="language"),
]
