"""The query parameters of the members list (validated by `common.filters`)."""

import django_filters

from switchboard.accounts.models import Role
from switchboard.common.filters import text_filter


class MemberFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    search = text_filter("username, name or email contains")
