"""`{% if role|may:"roster.view" %}`: the navigation shows a page only to the roles that
the permission table lets open it, so the links and the pages cannot disagree."""

from django import template

from switchboard.accounts.permissions import may as role_may

register = template.Library()


@register.filter
def may(role, action):
    return bool(role) and role_may(role, action)
