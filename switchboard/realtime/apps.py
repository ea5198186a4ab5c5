from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "switchboard.realtime"
    label = "realtime"
    verbose_name = "Real-time events"
