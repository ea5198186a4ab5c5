"""Seed 000's sync script, for a workload that is derived rather than stored.

It prints each employee's workload by source, as the seed's script did, and checks the
one-query count against a row-by-row recount of the bookings. There is nothing to write
back: no counter exists to drift.
"""

from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from switchboard.accounts.models import Organization
from switchboard.bookings.models import Booking
from switchboard.bookings.selectors import employees_with_workload
from switchboard.bookings.services.capacity import holders
from switchboard.common.tenancy import org_scope


def recount(organization) -> Counter:
    """Bookings occupying each staff member, decided booking by booking in Python."""
    counts = Counter()
    rows = (
        Booking.objects.for_org(organization)
        .exclude(assignee__isnull=True, driver__isnull=True)
        .select_related("parent")
    )
    for booking in rows.iterator(chunk_size=500):
        counts.update(holders(booking))
    return counts


class Command(BaseCommand):
    help = (
        "Print every employee's workload from the bookings (standalone, add-on services, "
        "driving), check it against a row-by-row recount, and report that nothing needs fixing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="accepted for compatibility: this command never writes anything",
        )
        parser.add_argument("--organization", metavar="SLUG", help="only this organisation")

    def handle(self, *args, dry_run=False, organization=None, **options):
        orgs = Organization.objects.filter(is_active=True).order_by("name")
        if organization:
            orgs = orgs.filter(slug=organization)
            if not orgs.exists():
                raise CommandError(f"No organisation '{organization}'.")
        checked, mismatches = 0, []
        for org in orgs:
            with org_scope(org):  # one organisation at a time
                checked_here, wrong = self._organization(org)
            checked += checked_here
            mismatches += wrong
        self.stdout.write("")
        if mismatches:
            raise CommandError(
                f"{len(mismatches)} employee(s) disagree with the recount: {', '.join(mismatches)}. "
                "This is a bug in the workload query; nothing was changed."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Checked {checked} employee(s): the one-query workload equals the row-by-row "
                "recount for every one."
            )
        )
        self.stdout.write(
            "Nothing to fix: workload is derived from the bookings on every read and never "
            "stored, so it cannot drift."
            + (" (--dry-run changes nothing either.)" if dry_run else "")
        )

    def _organization(self, org) -> tuple[int, list[str]]:
        self.stdout.write(self.style.MIGRATE_HEADING(f"{org.name} ({org.slug})"))
        expected = recount(org)
        staff = employees_with_workload(org, is_active=None).order_by("pk")
        wrong = []
        for person in staff:
            self.stdout.write(f"  {person.full_name} (ID: {person.pk})")
            self.stdout.write(f"     Standalone bookings: {person.standalone_bookings}")
            self.stdout.write(f"     Add-on services: {person.addon_services}")
            self.stdout.write(f"     Driving: {person.driving}")
            self.stdout.write(
                f"     Total active: {person.current_assignments} (capacity {person.capacity})"
            )
            self.stdout.write(f"     Status: {person.availability_status}")
            if expected[person.pk] != person.current_assignments:
                wrong.append(
                    f"{person.full_name} ({person.current_assignments} vs {expected[person.pk]})"
                )
                self.stdout.write(self.style.ERROR(f"     Recount says {expected[person.pk]}"))
        if not staff:
            self.stdout.write("  No staff.")
        return len(staff), wrong
