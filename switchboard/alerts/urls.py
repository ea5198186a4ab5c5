"""Alert routes, included under `/api/orgs/<org_slug>/`."""

from django.urls import path

from switchboard.alerts import api

urlpatterns = [
    path("alerts/", api.AlertListView.as_view(), name="alert-list"),
    path(
        "alerts/<int:pk>/acknowledge/", api.AlertAcknowledgeView.as_view(), name="alert-acknowledge"
    ),
]
