from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "switchboard.staff"
    label = "staff"
    verbose_name = "Staff"

    def ready(self):
        from switchboard.accounts.services import membership_ended
        from switchboard.staff.services import end_profile_with_membership

        membership_ended.register(end_profile_with_membership)

        from switchboard.staff import jobs

        jobs.register()
