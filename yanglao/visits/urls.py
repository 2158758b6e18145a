from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("", views.home, name="home"),
    path("missed/", views.missed, name="missed"),
    path("missed/export/", views.missed_export, name="missed_export"),
    path("plan/", views.plan, name="plan"),
    path("plan/generate/", views.generate, name="generate"),
    path("plan/<int:pk>/reassign/", views.reassign, name="reassign"),
    path("mine/", views.mine, name="mine"),
    path("visit/<int:pk>/call/", views.call, name="call"),
    path("visit/<int:pk>/record/", views.record_visit, name="record"),
    path("visit/<int:pk>/missed/", views.mark_missed, name="mark_missed"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/photo/", views.photo, name="photo"),
    path("records/<int:pk>/refer/", views.refer, name="refer"),
    path("referrals/", views.referrals, name="referrals"),
    path("referrals/<int:pk>/<str:action>/", views.referral_action, name="referral_action"),
    path("visitors/", views.visitors, name="visitors"),
    path("visitors/<int:pk>/handover/", views.visitor_handover, name="visitor_handover"),
    path("tiers/", views.tiers, name="tiers"),
    path("tiers/<int:pk>/end/", views.tier_end, name="tier_end"),
    path("consent/", views.consent, name="consent"),
    path("change/", views.change, name="change"),
]
