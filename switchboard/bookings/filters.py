"""The query parameters of the bookings app's lists (validated by `common.filters`)."""

import django_filters

from switchboard.bookings.selectors import AVAILABLE, BUSY
from switchboard.bookings.workflows import Status
from switchboard.common.filters import BooleanFilter, IdFilter, IdOrNoneFilter, text_filter

ACTIVE_CHOICES = [("true", "active only"), ("false", "inactive only"), ("all", "everyone")]


class BookingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    assignee = IdOrNoneFilter(help_text="a staff id, or `none` for unassigned")
    date_from = django_filters.DateFilter(help_text="starts on or after this date (UTC)")
    date_to = django_filters.DateFilter(help_text="starts on or before this date (UTC)")
    active = BooleanFilter(help_text="in an active state of its workflow")
    service = IdFilter(help_text="a service id")


class EmployeeFilter(django_filters.FilterSet):
    department = text_filter("department slug", max_length=60)
    skill = text_filter("skill slug", max_length=60)
    availability_status = django_filters.ChoiceFilter(
        choices=[(AVAILABLE, AVAILABLE), (BUSY, BUSY)]
    )
    is_active = django_filters.ChoiceFilter(choices=ACTIVE_CHOICES, help_text="default true")


class SessionFilter(django_filters.FilterSet):
    open = BooleanFilter(help_text="only sessions not completed yet")


class BoardFilter(django_filters.FilterSet):
    kind = text_filter("resource kind", max_length=40)
