from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "switchboard.alerts"
    label = "alerts"
    verbose_name = "Alerts"

    def ready(self):
        from switchboard.alerts import jobs

        jobs.register()
