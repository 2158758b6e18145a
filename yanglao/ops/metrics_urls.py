from django.urls import path

from .metrics import metrics_view

app_name = "metrics"
urlpatterns = [path("", metrics_view, name="metrics")]
