"""Who is subscribed to what in this process, and what a subscription changes cluster-wide.

A join or a leave updates the local index (used for fan-out) and the cluster state, whose
answers ("first subscriber?", "user's last connection?") decide the presence events and
the webhooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from switchboard.realtime.server import protocol
from switchboard.realtime.server.broker import Message

if TYPE_CHECKING:
    from switchboard.realtime.server.interface import Client, Host, Member


class Subscriptions:
    def __init__(self, host: Host):
        self.host = host
        # channel -> socket id -> client
        self.subscribers: dict[str, dict[str, Client]] = {}

    def local(self, channel: str):
        """This process's subscribers of `channel` (may be empty)."""
        subscribers = self.subscribers.get(channel)
        return subscribers.values() if subscribers else ()

    async def join(self, client: Client, channel: str, member: Member) -> None:
        client.channels[channel] = member
        if not protocol.is_user_channel(channel):
            await self._announce(client, channel, member)
        await self.confirm(client, channel)
        # Only now does the client get the channel's events: one published during the
        # awaits above would otherwise reach it before `subscription_succeeded`, and a
        # client that then replays "after the last event it saw" would skip the ones in
        # between. What is published before this line, the client's replay brings.
        if channel in client.channels:  # it may have left during the awaits
            self.subscribers.setdefault(channel, {})[client.socket_id] = client
        if protocol.is_cache(channel):
            await self._send_cached(client, channel)

    async def _announce(self, client: Client, channel: str, member: Member) -> None:
        host = self.host
        if await host.state.channel_added(channel) and host.webhooks.enabled:
            await host.webhooks.occupied(channel)
        if member is not None:
            user_id, info = member
            if await host.state.member_added(channel, user_id, info):
                await self.member_joined(channel, user_id, info, exclude=client.socket_id)
                if host.webhooks.enabled:
                    await host.webhooks.member_added(channel, user_id)

    async def confirm(self, client: Client, channel: str) -> None:
        """`subscription_succeeded`, with the member list on a presence channel."""
        data = "{}"
        if protocol.is_presence(channel):
            members = await self.host.state.members(channel)
            data = protocol.dumps(
                {"presence": {"ids": list(members), "hash": members, "count": len(members)}}
            )
        client.write(
            protocol.frame("pusher_internal:subscription_succeeded", data, channel=channel)
        )

    async def _send_cached(self, client: Client, channel: str) -> None:
        host = self.host
        cached = await host.state.cache_get(channel)
        if cached is not None:
            event, data, _ = cached
            client.write(protocol.frame(event, data, channel=channel))
            return
        client.write(protocol.frame("pusher:cache_miss", channel=channel))
        if host.webhooks.enabled:
            await host.webhooks.cache_miss(channel)

    async def leave(self, client: Client, channel: str) -> None:
        host = self.host
        member = client.channels.pop(channel, None)
        subscribers = self.subscribers.get(channel)
        if subscribers is not None:
            subscribers.pop(client.socket_id, None)
            if not subscribers:
                del self.subscribers[channel]
        if protocol.is_user_channel(channel):
            return
        if member is not None:
            user_id = member[0]
            if await host.state.member_removed(channel, user_id):
                await self.member_gone(channel, user_id)
        if await host.state.channel_removed(channel) and host.webhooks.enabled:
            await host.webhooks.vacated(channel)

    async def member_joined(self, channel: str, user_id: str, info, exclude=None) -> None:
        body = {"user_id": user_id}
        if info is not None:
            body["user_info"] = info
        added = Message(
            channel=channel,
            event="pusher_internal:member_added",
            data=protocol.dumps(body),
            exclude_socket_id=exclude,
        )
        await self.host.broker.publish([added])

    async def member_gone(self, channel: str, user_id: str) -> None:
        removed = Message(
            channel=channel,
            event="pusher_internal:member_removed",
            data=protocol.dumps({"user_id": user_id}),
        )
        await self.host.broker.publish([removed])
        if self.host.webhooks.enabled:
            await self.host.webhooks.member_removed(channel, user_id)

    async def count_again(self, client: Client) -> None:
        """Add `client`'s share to the cluster state again (after this process was reaped)."""
        state = self.host.state
        for channel, member in client.channels.items():
            if protocol.is_user_channel(channel):
                continue
            await state.channel_added(channel)
            if member is not None and await state.member_added(channel, *member):
                await self.member_joined(channel, *member)
