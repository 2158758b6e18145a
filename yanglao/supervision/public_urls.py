from django.urls import path

from . import views

app_name = "public_supervision"

urlpatterns = [
    path("", views.public_index, name="index"),
    path("draws/<int:pk>/", views.public_draw, name="draw"),
    path("draws/<int:pk>/record.json", views.public_draw_json, name="draw_json"),
    path("verify/", views.public_verify, name="verify"),
    path("credit/", views.public_credit_search, name="credit_search"),
    path("credit/<int:pk>/", views.public_credit, name="credit"),
]
