"""Times of bookings in the organisation's zone: `{{ b.ends_at|end_time:b.starts_at }}`.

An end on the same local day as its start shows the time alone; one that crosses midnight
(a room night, a café session past 00:00) shows its date as well, so that no one reads
"22:00-02:00" as a booking that ends before it starts.
"""

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()


def _local(value):
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.filter
def end_time(ends_at, starts_at):
    """Used inside `{% timezone org.timezone %}`: local dates are compared there."""
    if not ends_at:
        return ""
    end = _local(ends_at)
    if starts_at and _local(starts_at).date() == end.date():
        return date_format(end, "H:i")
    return date_format(end, "D j M, H:i")
