from django.urls import path

from . import views

app_name = "public_dashboard"

urlpatterns = [
    path("", views.public, name="index"),
]
