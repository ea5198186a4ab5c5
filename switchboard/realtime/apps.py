from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "switchboard.realtime"
    label = "realtime"
    verbose_name = "Real-time events"

    def ready(self):
        from switchboard.realtime import jobs

        jobs.register()
