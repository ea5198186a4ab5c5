from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """What an operator runs: /metrics, backups and restores, the daily backup job."""

    name = "switchboard.operations"
    label = "operations"
    verbose_name = "Operations"

    def ready(self):
        from switchboard.operations import jobs

        jobs.register()
