from django.urls import path

from . import views

app_name = "exchanges"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.exchange_new, name="exchange_new"),
    path("<int:pk>/", views.exchange_detail, name="exchange"),
    path("<int:pk>/edit/", views.exchange_edit, name="exchange_edit"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("national/", views.national, name="national"),
    path("national/layouts/", views.national_layouts, name="layouts"),
    path("national/<int:pk>/", views.national_batch, name="national_batch"),
    path("national/<int:pk>/files/<int:file_id>/", views.national_file, name="national_file"),
    path("national/<int:pk>/sent/", views.national_sent, name="national_sent"),
    path("national/returns/new/", views.national_return_upload, name="national_return_upload"),
    path("national/returns/<int:pk>/", views.national_return, name="national_return"),
    path("national/returns/<int:pk>/confirm/", views.national_return_confirm, name="national_return_confirm"),
    path("ltc/", views.ltc, name="ltc"),
    path("ltc/person/", views.ltc_pick, name="ltc_pick"),
    path("ltc/settlements/new/", views.ltc_upload, name="ltc_upload"),
    path("ltc/settlements/<int:pk>/", views.ltc_settlement, name="ltc_settlement"),
    path("ltc/settlements/<int:pk>/confirm/", views.ltc_settlement_confirm, name="ltc_settlement_confirm"),
    path("ltc/people/<int:pk>/", views.ltc_person, name="ltc_person"),
    path("ltc/people/<int:pk>/assessments/new/", views.ltc_assessment_new, name="ltc_assessment_new"),
    path("ltc/people/<int:pk>/benefits/new/", views.ltc_benefit_new, name="ltc_benefit_new"),
    path("ltc/people/<int:pk>/plans/new/", views.ltc_plan_new, name="ltc_plan_new"),
    path("ltc/providers/new/", views.ltc_provider_new, name="ltc_provider_new"),
    path("ltc/offsets/new/", views.ltc_offset_new, name="ltc_offset_new"),
]
