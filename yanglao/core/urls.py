from django.urls import path

from . import pickers, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("login/2fa/", views.login_2fa, name="login_2fa"),
    path("logout/", views.logout_view, name="logout"),
    path("account/password/", views.password_change_view, name="password_change"),
    path("divisions/", views.divisions, name="divisions"),
    path("divisions/pick/", pickers.division_pick, name="division_pick"),
    path("divisions/<str:code>/", views.divisions, name="division"),
    path("audit/", views.audit_log, name="audit"),
    path("audit/logins/", views.login_log, name="login_log"),
    path("healthz", views.healthz, name="healthz"),
]
