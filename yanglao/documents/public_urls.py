from django.urls import path

from . import views

app_name = "public_documents"

urlpatterns = [
    path("verify/", views.verify, name="verify_form"),
    path("verify/<str:number>", views.verify, name="verify"),
]
