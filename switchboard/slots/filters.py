"""The query parameters of the slots app's lists (validated by `common.filters`)."""

import django_filters

from switchboard.common.filters import BooleanFilter, IdFilter
from switchboard.staff.attendance.filters import DayFilter


class AvailabilityFilter(django_filters.FilterSet):
    staff = IdFilter(help_text="a staff id")
    weekday = django_filters.TypedChoiceFilter(
        choices=[(str(n), str(n)) for n in range(7)], coerce=int, help_text="0 Monday … 6 Sunday"
    )


class ExceptionFilter(django_filters.FilterSet):
    staff = IdFilter(help_text="a staff id")
    date_from = DayFilter(help_text="on or after this date")
    date_to = DayFilter(help_text="on or before this date")


class SlotFilter(django_filters.FilterSet):
    service = IdFilter(help_text="a service id")
    provider = IdFilter(help_text="a staff id")
    date_from = DayFilter(help_text="local date, inclusive (default today)")
    date_to = DayFilter(help_text="local date, inclusive (default: the window's end)")
    available = BooleanFilter(help_text="only slots that can be booked now (or only not)")
