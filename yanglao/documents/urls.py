from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("", views.home, name="home"),
    path("print/<str:kind>/<str:pk>/", views.print_document, name="print"),
    path("jobs/<int:pk>/", views.job, name="job"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
    path("jobs/<int:pk>/rerun/", views.job_rerun, name="job_rerun"),
    path("templates/", views.templates, name="templates"),
    path("templates/<str:kind>/", views.template_edit, name="template_edit"),
]
