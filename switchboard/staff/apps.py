from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "switchboard.staff"
    label = "staff"
    verbose_name = "Staff"
