"""Who may subscribe to a channel: the question, and where the answer comes from.

The real-time app knows the protocol, not the domain. The rules of DESIGN.md's channel
table need organisations, memberships and staff profiles, so they live outside this app,
in the module named by `settings.REALTIME["CHANNEL_AUTHORIZER"]`
(`switchboard/staff/channels.py`), and are looked up here by that name. This app therefore
imports no domain app; the project's settings wire the two together.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class ChannelGrant:
    """A yes: the organisation the channel belongs to and, on presence channels, the
    `user_info` other members see."""

    organization_id: int
    user_info: dict | None = None


def authorize_channel(user, channel: str) -> ChannelGrant | None:
    """A grant if `user` may subscribe to (and replay) `channel`, else None."""
    authorizer = import_string(settings.REALTIME["CHANNEL_AUTHORIZER"])
    return authorizer(user, channel)


def user_data(user) -> dict:
    """The `user_data` of a user sign-in: `{"id": "<str>", "user_info": {...}}`."""
    return import_string(settings.REALTIME["USER_DATA"])(user)
