"""Routes under `/api/orgs/<org_slug>/dispatch/`."""

from django.urls import path

from switchboard.dispatch import api

urlpatterns = [
    path("dispatch/locations/", api.LocationsView.as_view(), name="dispatch-locations"),
    path("dispatch/drivers/", api.DriversView.as_view(), name="dispatch-drivers"),
    path("dispatch/pickups/", api.PickupsView.as_view(), name="dispatch-pickups"),
    path("dispatch/pickups/<int:pk>/", api.PickupView.as_view(), name="dispatch-pickup"),
    path("dispatch/pickups/<int:pk>/assign/", api.AssignView.as_view(), name="dispatch-assign"),
    path(
        "dispatch/pickups/<int:pk>/auto-assign/",
        api.AutoAssignView.as_view(),
        name="dispatch-auto-assign",
    ),
    path("dispatch/offers/<int:pk>/accept/", api.AcceptView.as_view(), name="dispatch-accept"),
    path("dispatch/offers/<int:pk>/decline/", api.DeclineView.as_view(), name="dispatch-decline"),
    path("dispatch/batch-assign/", api.BatchAssignView.as_view(), name="dispatch-batch-assign"),
]
