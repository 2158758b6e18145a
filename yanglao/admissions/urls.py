from django.urls import path

from . import views

app_name = "admissions"

urlpatterns = [
    path("", views.queue_page, name="list"),
    path("apply/", views.apply_page, name="apply"),
    path("applications/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("offer/", views.offer, name="offer"),
    path("offers/<int:pk>/<str:answer>/", views.respond, name="respond"),
]
