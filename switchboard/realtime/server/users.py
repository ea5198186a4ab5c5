"""Signed-in users and watchlists in this process; online/offline news across the cluster.

A user is online while any connection of theirs, on any process, is signed in (the cluster
state counts them). Changes travel as control notes so that every process tells its own
watchers; "terminate this user's connections" travels the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from switchboard.realtime.server import protocol

if TYPE_CHECKING:
    from switchboard.realtime.server.interface import Client, Host


class Users:
    def __init__(self, host: Host):
        self.host = host
        self.connections: dict[str, set[Client]] = {}  # user id -> its signed-in clients
        self.watchers: dict[str, set[Client]] = {}  # user id -> clients watching it

    def local(self, user_id: str):
        """This process's connections of `user_id` (may be empty)."""
        return self.connections.get(user_id, ())

    async def signed_in(self, client: Client) -> None:
        self.connections.setdefault(client.user_id, set()).add(client)
        if await self.host.state.user_online(client.user_id):
            await self.announce_online(client.user_id, True)

    async def watch(self, client: Client, watched: tuple[str, ...]) -> None:
        for user_id in client.watchlist:
            _discard(self.watchers, user_id, client)
        client.watchlist = watched
        for user_id in watched:
            self.watchers.setdefault(user_id, set()).add(client)
        if not watched:
            return
        online = set(await self.host.state.online(list(watched)))
        events = [
            {"name": "online", "user_ids": [u for u in watched if u in online]},
            {"name": "offline", "user_ids": [u for u in watched if u not in online]},
        ]
        events = [event for event in events if event["user_ids"]]
        data = protocol.dumps({"events": events})
        client.write(protocol.frame("pusher_internal:watchlist_events", data))

    async def forget(self, client: Client) -> None:
        """`client` went away: it watches no one, and its user may now be offline."""
        for user_id in client.watchlist:
            _discard(self.watchers, user_id, client)
        if client.user_id is not None:
            _discard(self.connections, client.user_id, client)
            if await self.host.state.user_offline(client.user_id):
                await self.announce_online(client.user_id, False)

    async def count_again(self, client: Client) -> None:
        """Add `client`'s user to the cluster state again (after this process was reaped)."""
        if client.user_id is not None and await self.host.state.user_online(client.user_id):
            await self.announce_online(client.user_id, True)

    async def announce_online(self, user_id: str, online: bool) -> None:
        note = {"kind": "online", "user_id": user_id, "online": online}
        await self.host.broker.publish_control(note)

    def on_control(self, note: dict) -> None:
        """Broker control listener: a note from any process, this one included."""
        kind = note.get("kind")
        user_id = str(note.get("user_id"))
        if kind == "terminate":
            for client in list(self.connections.get(user_id, ())):
                client.close(protocol.UNAUTHORIZED, "Connections terminated.")
        elif kind == "online":
            name = "online" if note.get("online") else "offline"
            data = protocol.dumps({"events": [{"name": name, "user_ids": [user_id]}]})
            text = protocol.frame("pusher_internal:watchlist_events", data)
            for client in list(self.watchers.get(user_id, ())):
                client.write(text)


def _discard(index: dict, key, client) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(client)
        if not members:
            del index[key]
