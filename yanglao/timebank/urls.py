from django.urls import path

from . import views

app_name = "timebank"

urlpatterns = [
    path("", views.home, name="home"),
    path("members/", views.member_list, name="members"),
    path("members/new/", views.member_new, name="member_new"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("members/<int:pk>/check/", views.member_check, name="member_check"),
    path("members/<int:pk>/code/", views.member_code, name="member_code"),
    path("members/<int:pk>/training/", views.member_training, name="member_training"),
    path("members/<int:pk>/relative/", views.member_relative, name="member_relative"),
    path("members/<int:pk>/move/<str:kind>/", views.member_move, name="member_move"),
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/take/", views.request_take, name="request_take"),
    path("requests/<int:pk>/done/", views.request_done, name="request_done"),
    path("requests/<int:pk>/verify/", views.request_verify, name="request_verify"),
    path("requests/<int:pk>/dispute/", views.request_dispute, name="request_dispute"),
    path("requests/<int:pk>/resolve/", views.request_resolve, name="request_resolve"),
    path("requests/<int:pk>/cancel/", views.request_cancel, name="request_cancel"),
    path("ledger/", views.ledger, name="ledger"),
]
