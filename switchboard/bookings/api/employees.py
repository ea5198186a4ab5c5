"""The Employees list with derived workload, and one person's active assignments.

These live in bookings, not staff, because workload is counted from bookings and the staff
app must not know about bookings.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, viewsets

from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.bookings.api.serializers import AssignmentSerializer, EmployeeSerializer
from switchboard.bookings.selectors import (
    AVAILABLE,
    BUSY,
    assignments_visible,
    employees_with_workload,
)
from switchboard.common.errors import InvalidInput
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

    @extend_schema(
        parameters=[
            OpenApiParameter("department", str, description="department slug"),
            OpenApiParameter("skill", str, description="skill slug"),
            OpenApiParameter("availability_status", str, enum=[AVAILABLE, BUSY]),
            OpenApiParameter("is_active", str, enum=["true", "false", "all"]),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StaffMember.objects.none()
        if self.action != "list":
            return employees_with_workload(self.organization, is_active=None)
        params = self.request.query_params
        availability = params.get("availability_status") or None
        if availability not in (None, AVAILABLE, BUSY):
            raise InvalidInput({"availability_status": "Use 'available' or 'busy'."})
        is_active = {"true": True, "false": False, "all": None}.get(
            params.get("is_active", "true").lower(), True
        )
        return employees_with_workload(
            self.organization,
            department=params.get("department"),
            skill=params.get("skill"),
            availability=availability,
            is_active=is_active,
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
