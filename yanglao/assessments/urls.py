from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("new/", views.assessment_new, name="new"),
    path("preview/", views.assessment_preview, name="preview"),
    path("due/", views.reassessments_due, name="due"),
    path("figures/", views.figures, name="figures"),
    path("figures/export.xlsx", views.figures_export, name="figures_export"),
    path("import/", views.import_page, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("reassess/<int:person_pk>/", views.reassess, name="reassess"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/record/", views.assessment_record, name="record"),
    path("<int:pk>/report.pdf", views.assessment_report, name="report"),
    path("<int:pk>/call/<int:contact_pk>/", views.call_contact, name="call_contact"),
    path("<int:pk>/<slug:action>/", views.assessment_action, name="action"),
]
