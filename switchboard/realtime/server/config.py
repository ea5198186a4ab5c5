"""The real-time server's configuration: app credentials and limits, read once."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class RealtimeConfig:
    app_id: str
    key: str
    secret: str
    max_connections: int = 20000
    max_frame_bytes: int = 65536
    max_event_bytes: int = 10240
    max_channel_name: int = 200
    max_channels_per_connection: int = 100
    max_channels_per_event: int = 100
    max_batch_events: int = 10
    max_event_name: int = 200
    max_presence_members: int = 100
    max_presence_user_bytes: int = 1024
    max_user_id_length: int = 128
    max_watchlist: int = 100
    activity_timeout: int = 30
    pong_timeout: int = 30
    client_events_per_second: int = 10
    # Frames of any kind a client may send per second before they are refused (4301).
    frames_per_second: int = 100
    # Frames queued for a client that does not read before it is dropped (4100).
    max_pending_frames: int = 2000
    webhook_url: str = ""
    webhook_retry_seconds: float = 300
    webhook_delay_seconds: float = 3
    # The webhook journal's SQLite file; empty keeps it in memory (lost with the process).
    webhook_journal: str = ""
    cache_ttl_seconds: int = 1800
    api_timestamp_skew: int = 600
    max_api_body_bytes: int = 1024 * 1024
    node_ttl_seconds: float = 15
    redis_url: str = ""

    def with_changes(self, **changes) -> RealtimeConfig:
        return replace(self, **changes)


_SETTING_NAMES = {
    "MAX_CONNECTIONS": "max_connections",
    "MAX_FRAME_BYTES": "max_frame_bytes",
    "MAX_EVENT_BYTES": "max_event_bytes",
    "MAX_CHANNEL_NAME": "max_channel_name",
    "MAX_CHANNELS_PER_CONNECTION": "max_channels_per_connection",
    "MAX_PRESENCE_MEMBERS": "max_presence_members",
    "MAX_PRESENCE_USER_BYTES": "max_presence_user_bytes",
    "ACTIVITY_TIMEOUT": "activity_timeout",
    "PONG_TIMEOUT": "pong_timeout",
    "CLIENT_EVENTS_PER_SECOND": "client_events_per_second",
    "WEBHOOK_URL": "webhook_url",
    "WEBHOOK_RETRY_SECONDS": "webhook_retry_seconds",
    "WEBHOOK_DELAY_SECONDS": "webhook_delay_seconds",
    "WEBHOOK_JOURNAL": "webhook_journal",
    "CACHE_TTL_SECONDS": "cache_ttl_seconds",
    "NODE_TTL_SECONDS": "node_ttl_seconds",
}


def config_from_settings() -> RealtimeConfig:
    from django.conf import settings

    app = settings.PUSHER_APP
    known = {f.name for f in fields(RealtimeConfig)}
    values = {
        attribute: settings.REALTIME[name]
        for name, attribute in _SETTING_NAMES.items()
        if name in settings.REALTIME and attribute in known
    }
    return RealtimeConfig(
        app_id=str(app["app_id"]),
        key=app["key"],
        secret=app["secret"],
        redis_url=settings.REDIS_URL,
        **values,
    )
