from django.urls import path

from . import views

app_name = "alarms"

urlpatterns = [
    path("", views.console, name="console"),
    path("live/", views.console_live, name="live"),
    path("simulate/", views.simulate, name="simulate"),
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident"),
    path("incidents/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("incidents/<int:pk>/call/", views.call, name="call_person"),
    path("incidents/<int:pk>/call/<int:contact_pk>/", views.call, name="call_contact"),
    path("incidents/<int:pk>/dispatch/", views.dispatch, name="dispatch"),
    path("incidents/<int:pk>/arrive/", views.arrive, name="arrive"),
    path("incidents/<int:pk>/note/", views.note, name="note"),
    path("incidents/<int:pk>/close/", views.close, name="close"),
    path("incidents/<int:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("figures/", views.figures, name="figures"),
    path("devices/", views.device_list, name="devices"),
    path("devices/new/", views.device_new, name="device_new"),
    path("devices/<int:pk>/token/", views.device_token, name="device_token"),
]
