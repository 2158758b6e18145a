from django.urls import path

from . import pickers, views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("pick/", pickers.person_pick, name="pick"),
    path("export/", views.person_export, name="export"),
    path("export/requests/", views.export_requests, name="export_requests"),
    path("export/requests/<int:pk>/decide/", views.export_request_decide, name="export_request_decide"),
    path("export/requests/<int:pk>/download/", views.export_request_download, name="export_request_download"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("merge/", views.merge, name="merge"),
    path("import/", views.import_page, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("import/<int:pk>/rerun/", views.import_rerun, name="import_rerun"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/reveal/", views.person_reveal, name="reveal"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/categories/", views.category_add, name="category_add"),
    path("<int:pk>/categories/<int:category_pk>/end/", views.category_end, name="category_end"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
]
