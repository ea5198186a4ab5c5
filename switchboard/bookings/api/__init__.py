from switchboard.bookings.api.bookings import BookingViewSet
from switchboard.bookings.api.employees import EmployeeViewSet, StaffAssignmentsView

__all__ = ["BookingViewSet", "EmployeeViewSet", "StaffAssignmentsView"]
