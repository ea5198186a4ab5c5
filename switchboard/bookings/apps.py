from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "switchboard.bookings"
    label = "bookings"
    verbose_name = "Bookings"

    def ready(self):
        from switchboard.bookings import jobs, slot_sources

        jobs.register()
        slot_sources.register()
