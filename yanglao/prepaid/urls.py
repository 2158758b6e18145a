from django.urls import path

from . import views

app_name = "prepaid"

urlpatterns = [
    path("", views.home, name="home"),
    path("homes/new/", views.home_new, name="home_new"),
    path("homes/<int:pk>/", views.home_detail, name="home_detail"),
    path("homes/<int:pk>/edit/", views.home_edit, name="home_edit"),
    path("homes/<int:pk>/accounts/new/", views.account_new, name="account_new"),
    path("homes/<int:pk>/report/", views.report_new, name="report_new"),
    path("homes/<int:pk>/closure/", views.closure, name="closure"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("accounts/<int:pk>/entry/", views.entry_new, name="entry_new"),
    path("accounts/<int:pk>/leave/", views.account_leave, name="account_leave"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("statements/", views.statement_list, name="statements"),
    path("statements/new/", views.statement_new, name="statement_new"),
    path("statements/template/", views.statement_template, name="statement_template"),
    path("statements/<int:pk>/", views.statement_detail, name="statement"),
    path("statements/<int:pk>/confirm/", views.statement_confirm, name="statement_confirm"),
    path("statements/<int:pk>/discard/", views.statement_discard, name="statement_discard"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("cases/<int:pk>/close/", views.case_close, name="case_close"),
    path("warnings/", views.warning_list, name="warnings"),
    path("warnings/<int:pk>/handle/", views.warning_handle, name="warning_handle"),
    path("refunds/", views.refund_list, name="refunds"),
    path("refunds/<int:pk>/pay/", views.refund_pay, name="refund_pay"),
]
