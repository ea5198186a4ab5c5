from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "switchboard.web"
    label = "web"

    def ready(self):
        # Registers the system check of PUBLIC_BOOKING_RATE: a bad value stops start-up.
        from switchboard.web import booking_limit  # noqa: F401
