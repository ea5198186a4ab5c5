from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "switchboard.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from switchboard.realtime import publish
        from switchboard.webhooks import jobs, services

        jobs.register()
        # Every published event queues its deliveries in the change's own transaction.
        publish.event_hooks.register(services.deliveries_enqueue)
