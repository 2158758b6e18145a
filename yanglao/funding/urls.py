from django.urls import path

from . import views

app_name = "funding"

urlpatterns = [
    path("", views.home, name="home"),
    path("export/", views.summary_export, name="summary_export"),
    path("budgets/", views.budgets, name="budgets"),
    path("budgets/new/", views.budget_new, name="budget_new"),
    path("budgets/<int:pk>/edit/", views.budget_edit, name="budget_edit"),
    path("budgets/<int:pk>/delete/", views.budget_delete, name="budget_delete"),
    path("spending/", views.spendings, name="spendings"),
    path("spending/new/", views.spending_new, name="spending_new"),
    path("spending/import/", views.spending_import, name="spending_import"),
    path("spending/template/", views.spending_template, name="spending_template"),
    path("spending/export/", views.spending_export, name="spending_export"),
    path("spending/<int:pk>/", views.spending_detail, name="spending"),
    path("spending/<int:pk>/edit/", views.spending_edit, name="spending_edit"),
    path("spending/<int:pk>/delete/", views.spending_delete, name="spending_delete"),
    path("spending/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("lottery/", views.lottery, name="lottery"),
    path("lottery/new/", views.lottery_new, name="lottery_new"),
    path("lottery/<int:pk>/edit/", views.lottery_edit, name="lottery_edit"),
    path("platform/", views.platform_page, name="platform"),
    path("years/", views.years, name="years"),
    path("years/<int:year>/<str:code>/submit/", views.year_submit, name="year_submit"),
    path("years/<int:pk>/approve/", views.year_approve, name="year_approve"),
    path("years/<int:pk>/return/", views.year_return, name="year_return"),
]
