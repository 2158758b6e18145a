from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/open/", views.open_notice, name="open"),
    path("read/", views.mark_read, name="mark_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("sms/", views.sms_log, name="sms_log"),
    path("sms/optouts/", views.optouts, name="optouts"),
    path("sms/optouts/<int:pk>/withdraw/", views.optout_withdraw, name="optout_withdraw"),
    path("sms/templates/", views.templates, name="templates"),
    path("sms/templates/<str:key>/", views.template_edit, name="template_edit"),
]
