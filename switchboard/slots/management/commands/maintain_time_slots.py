"""The seed's `maintain_time_slots`: expire, remove what no longer fits, generate the
rolling window. `--dry-run` reports exactly what a real run would change."""

import logging

from django.core.management.base import BaseCommand, CommandError

from switchboard.accounts.models import Organization
from switchboard.catalog.models import Service
from switchboard.common.tenancy import cross_org, org_scope
from switchboard.slots.services import slots_maintain
from switchboard.staff.models import StaffMember

logger = logging.getLogger("switchboard.slots.commands")

TOTALS = ("created", "removed", "expired", "updated", "conflicts")


def _one(model, pk, what):
    if pk is None:
        return None
    with cross_org():
        found = model.objects.select_related("organization").filter(pk=pk).first()
    if found is None:
        raise CommandError(f"No {what} with id {pk}.")
    return found


class Command(BaseCommand):
    help = "Maintain the rolling window of bookable slots (expire, remove, generate)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="show, change nothing")
        parser.add_argument("--days-ahead", type=int, help="window length (default: settings)")
        parser.add_argument("--provider-id", type=int, help="only this staff member")
        parser.add_argument("--service-id", type=int, help="only this service")
        parser.add_argument("--org", metavar="SLUG", help="only this organisation")
        parser.add_argument(
            "--force-cleanup",
            action="store_true",
            help="remove expired slots even when booked (the bookings stay)",
        )
        parser.add_argument(
            "--full", action="store_true", help="compare every slot, ignoring the no-op memo"
        )

    def _organizations(self, slug, provider, service):
        owners = {x.organization for x in (provider, service) if x is not None}
        if len(owners) > 1:
            raise CommandError("The provider and the service belong to different organisations.")
        with cross_org():
            orgs = list(Organization.objects.filter(is_active=True).order_by("slug"))
        if owners:
            orgs = list(owners)
        if slug:
            orgs = [org for org in orgs if org.slug == slug]
            if not orgs:
                raise CommandError(f"No organisation '{slug}' (or not the provider's/service's).")
        return orgs

    def handle(self, *args, **options):
        if options["days_ahead"] is not None and not 1 <= options["days_ahead"] <= 366:
            raise CommandError("--days-ahead is 1 to 366.")
        provider = _one(StaffMember, options["provider_id"], "staff member")
        service = _one(Service, options["service_id"], "service")
        orgs = self._organizations(options["org"], provider, service)
        totals = dict.fromkeys(TOTALS, 0)
        bar = self.stdout.isatty()
        for n, org in enumerate(orgs, 1):
            with org_scope(org):
                report = slots_maintain(
                    organization=org,
                    acting_user=None,
                    days_ahead=options["days_ahead"],
                    provider=provider,
                    service=service,
                    force_cleanup=options["force_cleanup"],
                    dry_run=options["dry_run"],
                    full=options["full"],
                )
            for key in TOTALS:
                totals[key] += getattr(report.changes, key)
            if options["dry_run"] or options["verbosity"] >= 2:
                self._report(org, report, dry_run=options["dry_run"])
            if bar:
                self._progress(n, len(orgs), org)
        if bar:
            self.stdout.write("")
        self._summary(len(orgs), totals, options["dry_run"])

    def _report(self, org, report, *, dry_run):
        verb = "would" if dry_run else "did"
        self.stdout.write(
            f"{org.slug}: {report.first_day} … {report.last_day} ({report.days_ahead} days)"
        )
        for line in report.lines:
            if not (line.create or line.remove or line.update or line.keep_booked):
                continue
            self.stdout.write(
                f"  {line.provider} / {line.service}: {verb} create {line.create}, "
                f"remove {line.remove}, update {line.update}, keep {line.keep_booked} booked"
            )
        c = report.changes
        self.stdout.write(
            f"  expired: {verb} remove {c.expired}; conflicts (booked, kept): {c.conflicts}"
        )

    def _progress(self, n, total, org):
        width = 30
        done = width * n // total
        line = f"\r[{'#' * done}{'.' * (width - done)}] {n}/{total} {org.slug:<20}"
        self.stdout.write(line, ending="")
        self.stdout.flush()

    def _summary(self, orgs, totals, dry_run):
        counts = " ".join(f"{key}={value}" for key, value in totals.items())
        logger.info("maintain_time_slots orgs=%d %s dry_run=%s", orgs, counts, dry_run)
        if self.stdout.isatty() or dry_run:
            label = "Dry run, nothing changed" if dry_run else "Done"
            self.stdout.write(self.style.SUCCESS(f"{label}: {orgs} organisation(s), {counts}"))
