from django.apps import AppConfig


class SlotsConfig(AppConfig):
    name = "switchboard.slots"
    label = "slots"
    verbose_name = "Slots"

    def ready(self):
        from switchboard.catalog.services import slot_settings_changed
        from switchboard.slots import jobs, services

        jobs.register()
        # A service's slot settings, providers or activity changed: its window again.
        slot_settings_changed.register(services.service_changed)
