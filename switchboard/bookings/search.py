"""The front-desk pages' narrowing of a bookings list: by resource, by a customer's text,
by a window of start times."""

from django.db.models import Q, QuerySet


def bookings_search(
    qs: QuerySet, *, resource=None, text: str = "", starts_from=None, starts_before=None
) -> QuerySet:
    """Narrow a bookings queryset for the front-desk pages: a resource, a customer text
    (walk-in name or phone, or the member's names), and a window of start times (aware
    datetimes, so that a day is the organisation's own day)."""
    if resource:
        qs = qs.filter(resource_id=resource)
    if text:
        qs = qs.filter(
            Q(customer_name__icontains=text)
            | Q(customer_phone__icontains=text)
            | Q(customer__first_name__icontains=text)
            | Q(customer__last_name__icontains=text)
            | Q(customer__username__icontains=text)
        )
    if starts_from is not None:
        qs = qs.filter(starts_at__gte=starts_from)
    if starts_before is not None:
        qs = qs.filter(starts_at__lt=starts_before)
    return qs


def bookings_overlapping(qs: QuerySet, start, end) -> QuerySet:
    """Bookings of `qs` that overlap [start, end): a day view shows what runs that day."""
    return qs.filter(starts_at__lt=end, ends_at__gt=start)
