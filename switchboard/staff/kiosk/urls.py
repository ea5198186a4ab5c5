"""Kiosk routes, included under `/api/orgs/<org_slug>/`."""

from django.urls import path

from switchboard.staff.kiosk import api

urlpatterns = [
    path("kiosks/", api.KioskListView.as_view(), name="kiosk-list"),
    path("kiosks/badge/", api.BadgeView.as_view(), name="kiosk-badge"),
    path("kiosks/<int:pk>/revoke/", api.KioskRevokeView.as_view(), name="kiosk-revoke"),
]
