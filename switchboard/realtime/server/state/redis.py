"""Cluster state for many processes: the counts in Redis, each process's share kept apart.

Every change is one Lua script that updates the cluster count and this process's share
together; a survivor reaps a silent process's share atomically (see `_REAP`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable

from switchboard.realtime.server.json_input import parse_json
from switchboard.realtime.server.state.base import Reaped

logger = logging.getLogger(__name__)


_CHANGE = """
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[3])
if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
local m = redis.call('HINCRBY', KEYS[2], ARGV[2], ARGV[3])
if m <= 0 then redis.call('HDEL', KEYS[2], ARGV[2]) end
if KEYS[3] then
  if n <= 0 then redis.call('HDEL', KEYS[3], ARGV[1])
  elseif ARGV[4] then redis.call('HSET', KEYS[3], ARGV[1], ARGV[4]) end
end
return n
"""

# Subtract a dead process's share from the cluster counts, delete its share, and return
# what disappeared. Atomic, so two survivors reaping at once cannot subtract twice.
_REAP = """
local prefix = ARGV[1]
local node = ARGV[2]
local base = prefix .. ':node:' .. node
local vacated, removed, offline = {}, {}, {}
local ch = redis.call('HGETALL', base .. ':channels')
for i = 1, #ch, 2 do
  local n = redis.call('HINCRBY', prefix .. ':channels', ch[i], -tonumber(ch[i + 1]))
  if n <= 0 then
    redis.call('HDEL', prefix .. ':channels', ch[i])
    table.insert(vacated, ch[i])
  end
end
local mem = redis.call('HGETALL', base .. ':members')
for i = 1, #mem, 2 do
  local sep = string.find(mem[i], '\\n', 1, true)
  local channel = string.sub(mem[i], 1, sep - 1)
  local user = string.sub(mem[i], sep + 1)
  local key = prefix .. ':members:' .. channel
  local n = redis.call('HINCRBY', key, user, -tonumber(mem[i + 1]))
  if n <= 0 then
    redis.call('HDEL', key, user)
    redis.call('HDEL', prefix .. ':info:' .. channel, user)
    table.insert(removed, mem[i])
  end
end
local users = redis.call('HGETALL', base .. ':users')
for i = 1, #users, 2 do
  local n = redis.call('HINCRBY', prefix .. ':users', users[i], -tonumber(users[i + 1]))
  if n <= 0 then
    redis.call('HDEL', prefix .. ':users', users[i])
    table.insert(offline, users[i])
  end
end
redis.call('DEL', base .. ':channels', base .. ':members', base .. ':users')
redis.call('ZREM', prefix .. ':nodes', node)
return {vacated, removed, offline}
"""


class RedisState:
    """Many processes: the same counts in Redis, with each process's share kept apart."""

    def __init__(self, client, node_id: str, *, ttl: float = 15, prefix="switchboard:realtime"):
        self.redis = client
        self.node_id = node_id
        self.ttl = ttl
        self.prefix = prefix
        self._node = f"{prefix}:node:{node_id}"
        self._change = client.register_script(_CHANGE)
        self._reap = client.register_script(_REAP)
        self._heartbeat: asyncio.Task | None = None
        self._on_reaped: Callable[[Reaped], Awaitable[None]] | None = None
        self._on_lost: Callable[[], Awaitable[None]] | None = None

    # life cycle --------------------------------------------------------------------------

    async def start(self, on_reaped=None, on_lost=None) -> None:
        """`on_reaped(Reaped)`: announce what a dead process took with it.
        `on_lost()`: this process was itself taken for dead; it must re-add its share."""
        self._on_reaped = on_reaped
        self._on_lost = on_lost
        await self.redis.zadd(f"{self.prefix}:nodes", {self.node_id: _now_ms()})
        self._heartbeat = asyncio.get_running_loop().create_task(self._beat_forever())

    async def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        try:
            # Whatever is left of this process's share goes now, not after the TTL.
            reaped = await self._reap_node(self.node_id)
            if self._on_reaped is not None:
                await self._on_reaped(reaped)
        except Exception:
            logger.warning("redis_state_stop_failed", exc_info=True)

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                await self.beat()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("redis_state_heartbeat_failed", exc_info=True)

    async def beat(self) -> None:
        nodes = f"{self.prefix}:nodes"
        now = _now_ms()
        still_listed = await self.redis.zadd(nodes, {self.node_id: now}, xx=True, ch=True)
        if not still_listed:
            # Someone reaped us (we were silent too long): register again with our share.
            await self.redis.zadd(nodes, {self.node_id: now})
            logger.warning("redis_state_rejoined node=%s", self.node_id)
            if self._on_lost is not None:
                await self._on_lost()
        dead = await self.redis.zrangebyscore(nodes, "-inf", now - int(self.ttl * 1000))
        for raw in dead:
            node = raw.decode() if isinstance(raw, bytes) else raw
            if node == self.node_id:
                continue
            reaped = await self._reap_node(node)
            logger.warning(
                "redis_state_reaped node=%s channels=%d members=%d",
                node,
                len(reaped.vacated),
                len(reaped.removed_members),
            )
            if self._on_reaped is not None:
                await self._on_reaped(reaped)

    async def _reap_node(self, node: str) -> Reaped:
        vacated, removed, offline = await self._reap(args=[self.prefix, node])
        return Reaped(
            vacated=[_text(c) for c in vacated],
            removed_members=[tuple(_text(m).split("\n", 1)) for m in removed],
            offline_users=[_text(u) for u in offline],
        )

    # channels ----------------------------------------------------------------------------

    async def _apply(
        self,
        cluster: str,
        node: str,
        field_: str,
        node_field: str,
        delta: int,
        info_key: str | None = None,
        info: str | None = None,
    ) -> int:
        keys = [cluster, node] + ([info_key] if info_key else [])
        args = [field_, node_field, delta] + ([info] if info is not None else [])
        return int(await self._change(keys=keys, args=args))

    async def channel_added(self, channel: str) -> bool:
        count = await self._apply(
            f"{self.prefix}:channels", f"{self._node}:channels", channel, channel, 1
        )
        return count == 1

    async def channel_removed(self, channel: str) -> bool:
        count = await self._apply(
            f"{self.prefix}:channels", f"{self._node}:channels", channel, channel, -1
        )
        return count <= 0

    async def subscription_count(self, channel: str) -> int:
        value = await self.redis.hget(f"{self.prefix}:channels", channel)
        return int(value or 0)

    async def channels(self) -> dict[str, int]:
        raw = await self.redis.hgetall(f"{self.prefix}:channels")
        return {_text(k): int(v) for k, v in raw.items() if int(v) > 0}

    # presence ----------------------------------------------------------------------------

    async def member_added(self, channel: str, user_id: str, info) -> bool:
        count = await self._apply(
            f"{self.prefix}:members:{channel}",
            f"{self._node}:members",
            user_id,
            f"{channel}\n{user_id}",
            1,
            f"{self.prefix}:info:{channel}",
            json.dumps(info),
        )
        return count == 1

    async def member_removed(self, channel: str, user_id: str) -> bool:
        count = await self._apply(
            f"{self.prefix}:members:{channel}",
            f"{self._node}:members",
            user_id,
            f"{channel}\n{user_id}",
            -1,
            f"{self.prefix}:info:{channel}",
        )
        return count <= 0

    async def members(self, channel: str) -> dict[str, object]:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hkeys(f"{self.prefix}:members:{channel}")
            pipe.hgetall(f"{self.prefix}:info:{channel}")
            ids, info = await pipe.execute()
        info = {_text(k): v for k, v in info.items()}
        return {_text(user_id): _load(info.get(_text(user_id), "null")) for user_id in ids}

    async def member_count(self, channel: str) -> int:
        return int(await self.redis.hlen(f"{self.prefix}:members:{channel}"))

    async def has_member(self, channel: str, user_id: str) -> bool:
        return bool(await self.redis.hexists(f"{self.prefix}:members:{channel}", user_id))

    # signed-in users ---------------------------------------------------------------------

    async def user_online(self, user_id: str) -> bool:
        count = await self._apply(
            f"{self.prefix}:users", f"{self._node}:users", user_id, user_id, 1
        )
        return count == 1

    async def user_offline(self, user_id: str) -> bool:
        count = await self._apply(
            f"{self.prefix}:users", f"{self._node}:users", user_id, user_id, -1
        )
        return count <= 0

    async def online(self, user_ids: list[str]) -> list[str]:
        if not user_ids:
            return []
        values = await self.redis.hmget(f"{self.prefix}:users", user_ids)
        return [user_id for user_id, value in zip(user_ids, values, strict=True) if value]

    # cache channels ----------------------------------------------------------------------

    async def cache_set(self, channel: str, event: str, data: str, ttl: int) -> None:
        body = json.dumps({"event": event, "data": data})
        await self.redis.set(f"{self.prefix}:cache:{channel}", body, ex=ttl)

    async def cache_get(self, channel: str) -> tuple[str, str, int] | None:
        key = f"{self.prefix}:cache:{channel}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(key)
            pipe.ttl(key)
            body, ttl = await pipe.execute()
        if body is None:
            return None
        entry = _load(body)
        return entry["event"], entry["data"], max(int(ttl), 1)

    # markers -----------------------------------------------------------------------------

    async def mark(self, key: str, seconds: float) -> bool:
        done = await self.redis.set(
            f"{self.prefix}:mark:{key}", "1", px=max(int(seconds * 1000), 1), nx=True
        )
        return bool(done)

    async def take(self, key: str) -> bool:
        return bool(await self.redis.delete(f"{self.prefix}:mark:{key}"))


def _now_ms() -> int:
    return int(time.time() * 1000)


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _load(raw):
    # What Redis holds was written by a server process, from input that was bounded then.
    return parse_json(raw, max_bytes=None)
