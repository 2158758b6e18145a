from django.urls import path

from . import views

app_name = "institutions"

urlpatterns = [
    path("", views.institution_list, name="list"),
    path("new/", views.institution_create, name="create"),
    path("stats/", views.statistics, name="stats"),
    path("subsidies/", views.subsidies, name="subsidies"),
    path("subsidies/compute/", views.subsidy_compute, name="subsidy_compute"),
    path("subsidies/<int:pk>/", views.subsidy_run, name="subsidy_run"),
    path("subsidies/<int:pk>/approve/", views.subsidy_approve, name="subsidy_approve"),
    path("subsidies/<int:pk>/discard/", views.subsidy_discard, name="subsidy_discard"),
    path("changes/", views.change_requests, name="change_requests"),
    path("changes/<int:pk>/decide/", views.change_request_decide, name="change_request_decide"),
    path("<int:pk>/", views.institution_detail, name="detail"),
    path("<int:pk>/edit/", views.institution_edit, name="edit"),
    path("<int:pk>/beds/", views.beds_add, name="beds_add"),
    path("<int:pk>/stars/", views.star_rate, name="star_rate"),
    path("<int:pk>/agreements/", views.agreement_add, name="agreement_add"),
    path("<int:pk>/residents/<int:residency_pk>/discharge/", views.resident_discharge, name="discharge"),
]
