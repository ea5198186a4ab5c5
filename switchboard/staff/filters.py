"""The query parameters of the staff app's lists (validated by `common.filters`)."""

import django_filters

from switchboard.common.filters import BooleanFilter, text_filter

ACTIVE_CHOICES = [("true", "active only"), ("false", "inactive only"), ("all", "everyone")]


def is_active_value(filters: dict) -> bool | None:
    """`is_active` as the selectors take it: absent means active only, `all` means None."""
    return {"true": True, "false": False, "all": None}[filters.get("is_active", "true")]


class DepartmentFilter(django_filters.FilterSet):
    include_inactive = BooleanFilter(help_text="list deactivated departments too")


class StaffFilter(django_filters.FilterSet):
    department = text_filter("department slug", max_length=60)
    skill = text_filter("skill slug", max_length=60)
    is_active = django_filters.ChoiceFilter(choices=ACTIVE_CHOICES, help_text="default true")
    search = text_filter("name or username contains")
