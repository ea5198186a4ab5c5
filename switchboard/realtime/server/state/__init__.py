"""Cluster-wide counts: occupied channels, presence members, signed-in users, cache.

Two implementations with one interface (`base.State`). `LocalState` keeps it in this
process (one server process). `RedisState` keeps it in Redis so that every process sees
the same member lists; each process also records its own share, and heartbeats, so that
when a process dies without cleaning up, a surviving one subtracts the dead one's share and
announces the members and channels that disappeared with it.

Each counter answers the question its caller needs at the moment of the change, atomically:
"was this the first subscriber of the channel?", "was this the user's last connection?".
"""
