from django.urls import path

from . import views, views_audit

app_name = "benefits"

urlpatterns = [
    path("", views.home, name="home"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme"),
    path("programmes/<int:pk>/preview/", views.run_preview, name="run_preview"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/approve/", views.run_approve, name="run_approve"),
    path("runs/<int:pk>/recompute/", views.run_recompute, name="run_recompute"),
    path("runs/<int:pk>/cancel/", views.run_cancel, name="run_cancel"),
    path("runs/<int:pk>/file.<str:fmt>", views.run_file, name="run_file"),
    path("runs/<int:pk>/mark-paid/", views.run_mark_paid, name="run_mark_paid"),
    path("runs/<int:pk>/result-template.xlsx", views.result_template, name="result_template"),
    path("runs/<int:pk>/reconcile/", views.run_reconcile, name="run_reconcile"),
    path("reports/", views.report, name="report"),
    path("enrolments/", views.enrolments, name="enrolments"),
    path("enrolments/<int:pk>/decide/", views.enrolment_decide, name="enrolment_decide"),
    path("suspensions/", views.suspensions, name="suspensions"),
    path("suspensions/<int:pk>/resume/", views.suspension_resume, name="suspension_resume"),
    path("people/<int:pk>/", views.person_payments, name="person_payments"),
    path("people/<int:pk>/account/", views_audit.bank_account, name="bank_account"),
    path("matching/", views_audit.matching_home, name="matching"),
    path("matching/<int:pk>/", views_audit.match_batch, name="match_batch"),
    path("matching/<int:pk>/confirm/", views_audit.match_confirm, name="match_confirm"),
    path("matching/<int:pk>/export/", views_audit.match_export, name="match_export"),
    path("life-certs/", views_audit.life_certs, name="life_certs"),
    path("programmes/<int:pk>/life-cert/", views_audit.life_requirement, name="life_requirement"),
    path("recoveries/", views_audit.recoveries_home, name="recoveries"),
    path("recoveries/report.xlsx", views_audit.recoveries_report, name="recoveries_report"),
    path("recoveries/<int:pk>/", views_audit.recovery_detail, name="recovery"),
    path("recoveries/<int:pk>/write-off/", views_audit.recovery_write_off, name="recovery_write_off"),
    path("adjustments/<int:pk>/sign/", views_audit.adjustment_sign, name="adjustment_sign"),
    path("enrolments/<int:pk>/end/", views_audit.enrolment_end, name="enrolment_end"),
    path("runs/<int:pk>/bank-file/", views_audit.run_bank_file, name="run_bank_file"),
    path("lines/<int:pk>/", views_audit.line_trace, name="line"),
    path("insurance/", views_audit.insurance, name="insurance"),
    path("runs/<int:pk>/insurer-file/", views_audit.insurer_file, name="insurer_file"),
]
