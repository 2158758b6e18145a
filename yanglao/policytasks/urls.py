from django.urls import path

from . import views

app_name = "policytasks"

urlpatterns = [
    path("", views.task_list, name="list"),
    path("export.xlsx", views.export_xlsx, name="export"),
    path("units/", views.units, name="units"),
    path("<int:number>/", views.task_detail, name="detail"),
    path("<int:number>/consolidate/", views.consolidate, name="consolidate"),
    path("<int:number>/revise/", views.revise, name="revise"),
    path("assignments/<int:pk>/report/", views.report_new, name="report"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]
