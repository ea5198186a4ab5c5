"""The Employees list with derived workload, and one person's active assignments.

These live in bookings, not staff, because workload is counted from bookings and the staff
app must not know about bookings.
"""

from rest_framework import generics, mixins, viewsets

from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.bookings.api.serializers import AssignmentSerializer, EmployeeSerializer
from switchboard.bookings.filters import EmployeeFilter
from switchboard.bookings.selectors import (
    assignments_visible,
    employees_with_workload,
)
from switchboard.common.filters import list_filters
from switchboard.staff.filters import is_active_value
from switchboard.staff.models import StaffMember


class EmployeeViewSet(
    OrgScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Staff with `current_assignments`, its sources and `availability_status`: one query."""

    serializer_class = EmployeeSerializer
    queryset = StaffMember.objects.none()
    permission_actions = {"list": "bookings.employees", "retrieve": "bookings.employees"}
    filterset_class = EmployeeFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StaffMember.objects.none()
        if self.action != "list":
            return employees_with_workload(self.organization, is_active=None)
        filters = list_filters(self)
        return employees_with_workload(
            self.organization,
            department=filters.get("department"),
            skill=filters.get("skill"),
            availability=filters.get("availability_status"),
            is_active=is_active_value(filters),
        )


class StaffAssignmentsView(OrgScopedMixin, generics.ListAPIView):
    """`/staff/{id}/assignments/`: what occupies this person now — only active bookings,
    never completed or cancelled ones (seed 000's modal). Managers, or the person themself."""

    serializer_class = AssignmentSerializer
    queryset = StaffMember.objects.none()
    permission_actions = {"GET": "bookings.assignments"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StaffMember.objects.none()
        return assignments_visible(self.organization, self.request.user, self.kwargs["pk"])
