from django.urls import path

from . import views

app_name = "workforce"

urlpatterns = [
    path("", views.home, name="home"),
    path("caregivers/", views.caregiver_list, name="caregivers"),
    path("caregivers/new/", views.caregiver_new, name="caregiver_new"),
    path("caregivers/<int:pk>/", views.caregiver_detail, name="caregiver"),
    path("caregivers/<int:pk>/certify/", views.caregiver_certify, name="caregiver_certify"),
    path("caregivers/<int:pk>/leave/", views.caregiver_leave, name="caregiver_leave"),
    path("courses/", views.course_list, name="courses"),
    path("courses/new/", views.course_new, name="course_new"),
    path("courses/<int:pk>/", views.course_detail, name="course"),
    path("staffing/", views.staffing, name="staffing"),
    path("rules/", views.rules, name="rules"),
]
