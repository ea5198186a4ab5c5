from django.contrib.auth import views as auth_views
from django.urls import path

from switchboard.web import views

urlpatterns = [
    path("", views.index, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("o/<slug:org_slug>/", views.org_home, name="org-home"),
    path("o/<slug:org_slug>/staff-table", views.staff_table, name="org-staff-table"),
]
