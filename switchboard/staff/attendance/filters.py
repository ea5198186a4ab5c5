"""The query parameters of the attendance and roster lists (validated by `common.filters`)."""

from datetime import date

import django_filters
from django import forms

from switchboard.common.filters import IdFilter, text_filter

# Far enough for any roster, near enough that a week or a day added never overflows.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def check_day(value):
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        raise forms.ValidationError(f"Give a date from {FIRST_DAY} to {LAST_DAY}.")


class DayField(forms.DateField):
    default_validators = [check_day]


class DayFilter(django_filters.DateFilter):
    field_class = DayField


class LogFilter(django_filters.FilterSet):
    staff = IdFilter(help_text="a staff id")
    date_from = DayFilter(help_text="clocked in on or after this local day")
    date_to = DayFilter(help_text="clocked in on or before this local day")


class ShiftFilter(django_filters.FilterSet):
    week = DayFilter(help_text="any day of the week (Monday to Sunday) to list")
    staff = IdFilter(help_text="a staff id")
    department = text_filter("department slug", max_length=60)


class TimesheetFilter(django_filters.FilterSet):
    date_from = DayFilter(required=True, help_text="the first local day")
    date_to = DayFilter(required=True, help_text="the last local day (at most 62 days on)")
    staff = IdFilter(help_text="a staff id (staff members: their own only)")
    format = django_filters.ChoiceFilter(
        choices=[("json", "json"), ("csv", "csv")], help_text="csv: a CSV file with a header"
    )
