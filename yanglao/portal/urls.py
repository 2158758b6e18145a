from django.urls import path

from . import views_console

app_name = "portal_console"

urlpatterns = [
    path("", views_console.index, name="index"),
    path("policies/new/", views_console.policy_edit, name="policy_new"),
    path("policies/<int:pk>/", views_console.policy_edit, name="policy_edit"),
    path("listings/<int:institution_id>/", views_console.listing_edit, name="listing_edit"),
]
