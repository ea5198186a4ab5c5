"""Webhook routes, included under `/api/orgs/<org_slug>/`."""

from django.urls import path

from switchboard.webhooks import api

urlpatterns = [
    path("webhooks/", api.EndpointListView.as_view(), name="webhook-list"),
    path("webhooks/events/", api.EventNamesView.as_view(), name="webhook-events"),
    path("webhooks/deliveries/", api.DeliveryListView.as_view(), name="webhook-delivery-list"),
    path(
        "webhooks/deliveries/<int:pk>/resend/",
        api.DeliveryResendView.as_view(),
        name="webhook-delivery-resend",
    ),
    path("webhooks/<int:pk>/", api.EndpointDetailView.as_view(), name="webhook-detail"),
    path(
        "webhooks/<int:pk>/rotate-secret/",
        api.EndpointRotateView.as_view(),
        name="webhook-rotate-secret",
    ),
]
