"""Slots routes, included under `/api/orgs/<org_slug>/`."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from switchboard.slots.api import AvailabilityViewSet, ExceptionViewSet
from switchboard.slots.slots_api import (
    SlotHealthView,
    SlotListView,
    SlotMaintainView,
    SlotSettingsView,
)

router = SimpleRouter()
# Before the availability routes, so that `exceptions` is never read as an id.
router.register("availability/exceptions", ExceptionViewSet, basename="availability-exception")
router.register("availability", AvailabilityViewSet, basename="availability")

urlpatterns = [
    path("slots/", SlotListView.as_view(), name="slot-list"),
    path("slots/health/", SlotHealthView.as_view(), name="slot-health"),
    path("slots/maintain/", SlotMaintainView.as_view(), name="slot-maintain"),
    path("slots/settings/", SlotSettingsView.as_view(), name="slot-settings"),
    path("", include(router.urls)),
]
