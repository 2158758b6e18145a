from django.urls import path

from . import views

app_name = "public_homecare"

urlpatterns = [path("", views.public_catalogue, name="catalogue")]
