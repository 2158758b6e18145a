from django.urls import path

from . import views

app_name = "homeadapt"

urlpatterns = [
    path("", views.project_list, name="projects"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/assess/", views.project_assess, name="project_assess"),
    path("projects/<int:pk>/start/", views.project_start, name="project_start"),
    path("projects/<int:pk>/photos/", views.photo_upload, name="photo_upload"),
    path("projects/<int:pk>/complete/", views.project_complete, name="project_complete"),
    path("projects/<int:pk>/accept/", views.project_accept, name="project_accept"),
    path("projects/<int:pk>/return/", views.project_return, name="project_return"),
    path("projects/<int:pk>/reject/", views.project_reject, name="project_reject"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("items/", views.item_list, name="items"),
    path("items/new/", views.item_edit, name="item_new"),
    path("items/<int:pk>/", views.item_edit, name="item_edit"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("devices/", views.device_list, name="devices"),
    path("devices/new/", views.device_edit, name="device_new"),
    path("devices/<int:pk>/", views.device_edit, name="device_edit"),
    path("loans/", views.loan_list, name="loans"),
    path("loans/new/", views.loan_new, name="loan_new"),
    path("loans/<int:pk>/return/", views.loan_return, name="loan_return"),
    path("beds/", views.bed_list, name="beds"),
    path("beds/new/", views.bed_new, name="bed_new"),
    path("beds/<int:pk>/", views.bed_detail, name="bed"),
    path("beds/<int:pk>/end/", views.bed_end, name="bed_end"),
]
