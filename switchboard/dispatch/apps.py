from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "switchboard.dispatch"
    label = "dispatch"
    verbose_name = "Dispatch"

    def ready(self):
        from switchboard.dispatch import jobs, pickup_effects

        pickup_effects.attach_to_workflow()
        jobs.register()
