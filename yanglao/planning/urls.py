from django.urls import path

from . import views

app_name = "planning"

urlpatterns = [
    path("", views.home, name="home"),
    path("estates/", views.estates, name="estates"),
    path("estates/new/", views.estate_create, name="estate_create"),
    path("estates/import/", views.estate_import, name="estate_import"),
    path("estates/<int:pk>/edit/", views.estate_edit, name="estate_edit"),
    path("compliance/", views.compliance, name="compliance"),
    path("leases/", views.leases, name="leases"),
    path("leases/new/", views.lease_create, name="lease_create"),
    path("leases/<int:pk>/edit/", views.lease_edit, name="lease_edit"),
    path("circle/", views.circle, name="circle"),
    path("circle/next/", views.build_next, name="next"),
    path("circle/recompute/", views.recompute, name="recompute"),
    path("circle/network/", views.network_upload, name="network_upload"),
    path("circle/points/", views.points, name="points"),
]
