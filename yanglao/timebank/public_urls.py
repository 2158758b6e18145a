from django.urls import path

from . import views

app_name = "public_timebank"

urlpatterns = [path("", views.public_lookup, name="lookup")]
