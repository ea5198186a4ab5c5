from django.core.management.base import BaseCommand

from switchboard.web.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the demo organisations, people and staff (idempotent) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the logins")

    def handle(self, *args, quiet_logins=False, **options):
        logins = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
        if quiet_logins:
            return
        self.stdout.write(f"Every demo login uses the password: {DEMO_PASSWORD}")
        width = max(len(org) for org, _, _ in logins)
        for org, role, username in logins:
            self.stdout.write(f"  {org:<{width}}  {role:<9}  {username}")
