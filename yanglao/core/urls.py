from django.urls import path

from . import pickers, views, views_admin, views_bulk

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("login/2fa/", views.login_2fa, name="login_2fa"),
    path("logout/", views.logout_view, name="logout"),
    path("account/password/", views.password_change_view, name="password_change"),
    path("divisions/", views.divisions, name="divisions"),
    path("divisions/pick/", pickers.division_pick, name="division_pick"),
    path("divisions/<str:code>/", views.divisions, name="division"),
    path("audit/", views.audit_log, name="audit"),
    path("audit/logins/", views.login_log, name="login_log"),
    path("bulk/", views_bulk.bulk_jobs, name="bulk_jobs"),
    path("bulk/jobs/<int:pk>/", views_bulk.bulk_job, name="bulk_job"),
    path("bulk/jobs/<int:pk>/result.xlsx", views_bulk.bulk_job_export, name="bulk_job_export"),
    path("bulk/jobs/<int:pk>/rerun/", views_bulk.bulk_job_rerun_view, name="bulk_job_rerun"),
    path("bulk/<str:key>/", views_bulk.bulk_confirm, name="bulk_confirm"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", views_admin.account_list, name="accounts"),
    path("accounts/new/", views_admin.account_create, name="account_create"),
    path("accounts/<int:pk>/", views_admin.account_edit, name="account_edit"),
    path("accounts/<int:pk>/<str:action>/", views_admin.account_action, name="account_action"),
    path("dictionaries/", views_admin.dictionary_index, name="dictionaries"),
    path("dictionaries/item/<int:pk>/", views_admin.dictionary_item_edit, name="dictionary_item"),
    path("dictionaries/item/<int:pk>/delete/", views_admin.dictionary_item_delete, name="dictionary_item_delete"),
    path("dictionaries/<slug:key>/", views_admin.dictionary_detail, name="dictionary"),
]
