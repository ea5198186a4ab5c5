from django.apps import AppConfig


class SlotsConfig(AppConfig):
    name = "switchboard.slots"
    label = "slots"
    verbose_name = "Slots"

    def ready(self):
        from switchboard.slots import jobs

        jobs.register()
