from django.urls import path

from . import views

app_name = "public_admissions"

urlpatterns = [path("", views.public_lookup, name="lookup")]
