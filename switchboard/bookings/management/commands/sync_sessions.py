"""`manage.py sync_sessions`: seed 004's manual sync from the shell.

Completes every session whose end has passed (of one organisation, or all), through the
same service and the same cross-process lock as the endpoint and the expiry job.
"""

from django.core.management.base import BaseCommand, CommandError

from switchboard.accounts.models import Organization
from switchboard.bookings import services
from switchboard.common.errors import Conflict
from switchboard.common.tenancy import cross_org, org_scope


class Command(BaseCommand):
    help = "Complete every timed session whose end has passed (what the expiry job does)."

    def add_arguments(self, parser):
        parser.add_argument("--organization", metavar="SLUG", help="only this organisation")
        parser.add_argument(
            "--wait",
            type=float,
            default=None,
            help="seconds to wait for a sync already running (default: SESSIONS setting)",
        )

    def handle(self, *args, organization=None, wait=None, **options):
        org = None
        if organization:
            org = Organization.objects.filter(slug=organization).first()
            if org is None:
                raise CommandError(f"No organisation '{organization}'.")
        try:
            # No acting user: the command runs as the system, like the job; without
            # --organization it sweeps every organisation on purpose.
            with org_scope(org) if org else cross_org():
                counts = services.sessions_sync(
                    organization=org, acting_user=None, wait_seconds=wait
                )
        except Conflict as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write("Manual sync completed")
        self.stdout.write(
            f"{counts['completed']} sessions auto-completed, "
            f"{counts['resources_freed']} systems freed"
        )
