from django import template

from switchboard.alerts.selectors import open_count

register = template.Library()


@register.simple_tag
def open_alert_count(org) -> int:
    """Open alerts an owner of `org` is shown (the banner in the base layout)."""
    return open_count(org) if org is not None else 0
