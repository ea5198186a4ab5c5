"""The query parameters of the catalog app's lists (validated by `common.filters`)."""

import django_filters

from switchboard.catalog.models import Workflow
from switchboard.common.filters import BooleanFilter, text_filter


class ServiceFilter(django_filters.FilterSet):
    workflow = django_filters.ChoiceFilter(choices=Workflow.choices)
    include_inactive = BooleanFilter(help_text="list deactivated services too")


class ResourceFilter(django_filters.FilterSet):
    kind = text_filter("resource kind", max_length=40)
    include_inactive = BooleanFilter(help_text="list deactivated resources too")
