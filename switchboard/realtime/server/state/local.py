"""Cluster state for one server process: plain dictionaries."""

from __future__ import annotations

import time


class LocalState:
    """One process: plain dictionaries."""

    def __init__(self):
        self._channels: dict[str, int] = {}
        self._members: dict[str, dict[str, int]] = {}
        self._info: dict[str, dict[str, object]] = {}
        self._users: dict[str, int] = {}
        self._cache: dict[str, tuple[str, str, float]] = {}
        self._pending: dict[str, float] = {}

    async def start(self, on_reaped=None, on_lost=None) -> None:
        return None

    async def stop(self) -> None:
        return None

    # channels
    async def channel_added(self, channel: str) -> bool:
        count = self._channels.get(channel, 0) + 1
        self._channels[channel] = count
        return count == 1

    async def channel_removed(self, channel: str) -> bool:
        count = self._channels.get(channel, 0) - 1
        if count <= 0:
            self._channels.pop(channel, None)
            return True
        self._channels[channel] = count
        return False

    async def subscription_count(self, channel: str) -> int:
        return self._channels.get(channel, 0)

    async def channels(self) -> dict[str, int]:
        return dict(self._channels)

    # presence
    async def member_added(self, channel: str, user_id: str, info) -> bool:
        members = self._members.setdefault(channel, {})
        count = members.get(user_id, 0) + 1
        members[user_id] = count
        self._info.setdefault(channel, {})[user_id] = info
        return count == 1

    async def member_removed(self, channel: str, user_id: str) -> bool:
        members = self._members.get(channel, {})
        count = members.get(user_id, 0) - 1
        if count > 0:
            members[user_id] = count
            return False
        members.pop(user_id, None)
        self._info.get(channel, {}).pop(user_id, None)
        if not members:
            self._members.pop(channel, None)
            self._info.pop(channel, None)
        return True

    async def members(self, channel: str) -> dict[str, object]:
        info = self._info.get(channel, {})
        return {user_id: info.get(user_id) for user_id in self._members.get(channel, {})}

    async def member_count(self, channel: str) -> int:
        return len(self._members.get(channel, {}))

    async def has_member(self, channel: str, user_id: str) -> bool:
        return user_id in self._members.get(channel, {})

    # signed-in users
    async def user_online(self, user_id: str) -> bool:
        count = self._users.get(user_id, 0) + 1
        self._users[user_id] = count
        return count == 1

    async def user_offline(self, user_id: str) -> bool:
        count = self._users.get(user_id, 0) - 1
        if count <= 0:
            self._users.pop(user_id, None)
            return True
        self._users[user_id] = count
        return False

    async def online(self, user_ids: list[str]) -> list[str]:
        return [user_id for user_id in user_ids if self._users.get(user_id)]

    # cache channels
    async def cache_set(self, channel: str, event: str, data: str, ttl: int) -> None:
        self._cache[channel] = (event, data, time.monotonic() + ttl)

    async def cache_get(self, channel: str) -> tuple[str, str, int] | None:
        entry = self._cache.get(channel)
        if entry is None:
            return None
        event, data, expires = entry
        remaining = expires - time.monotonic()
        if remaining <= 0:
            self._cache.pop(channel, None)
            return None
        return event, data, int(remaining) + 1

    # short-lived markers (a pending vacate or member removal, a de-duplicated webhook)
    async def mark(self, key: str, seconds: float) -> bool:
        """Set `key` for `seconds`; False if it was already set."""
        now = time.monotonic()
        if self._pending.get(key, 0) > now:
            return False
        self._pending[key] = now + seconds
        return True

    async def take(self, key: str) -> bool:
        """Remove `key`; True if it was set."""
        return self._pending.pop(key, 0) > time.monotonic()
