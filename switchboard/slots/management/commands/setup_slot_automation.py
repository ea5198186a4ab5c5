"""The seed's `setup_slot_automation`: no cron lines to install, the scheduler runs the
`maintain_time_slots` job. `setup`/`remove` switch it on/off per organisation, `list`
shows it, `test` checks the health figures (non-zero exit on a problem)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from switchboard.accounts.models import Organization
from switchboard.common.clock import now
from switchboard.common.tenancy import cross_org, org_scope
from switchboard.scheduler import registry
from switchboard.slots.health import slot_health
from switchboard.slots.jobs import JOB
from switchboard.slots.policy import policy_of
from switchboard.slots.schedule import next_daily_run
from switchboard.slots.services import slot_settings_update

STALE_AFTER = timedelta(days=2)


class Command(BaseCommand):
    help = "Enable, disable, list or test the scheduled slot maintenance."

    def add_arguments(self, parser):
        parser.add_argument("--action", choices=["setup", "remove", "list", "test"], required=True)
        parser.add_argument("--org", metavar="SLUG", help="only this organisation")

    def handle(self, *args, action, org=None, **options):
        with cross_org():
            orgs = list(Organization.objects.filter(is_active=True).order_by("slug"))
        if org:
            orgs = [o for o in orgs if o.slug == org]
            if not orgs:
                raise CommandError(f"No organisation '{org}'.")
        job = registry.get(JOB)
        self.stdout.write(f"Job {JOB}: {job.schedule.describe() if job else 'not registered'}")
        problems = []
        for organization in orgs:
            with org_scope(organization):
                if action in ("setup", "remove"):
                    slot_settings_update(
                        organization=organization, acting_user=None, enabled=action == "setup"
                    )
                if action == "test":
                    problems += self._test(organization)
                else:
                    self._show(organization)
        if problems:
            raise CommandError(f"{len(problems)} problem(s): " + "; ".join(problems))
        if action == "test":
            self.stdout.write(self.style.SUCCESS("Slot maintenance is healthy."))

    def _show(self, organization):
        policy = policy_of(organization)
        state = "enabled" if policy.enabled else "disabled"
        nxt = next_daily_run(organization, policy, now()) if policy.enabled else None
        self.stdout.write(
            f"{organization.slug}: {state}, daily at "
            f"{policy.daily_maintenance_time:%H:%M} {organization.timezone}, "
            f"{policy.days_ahead} days ahead ({policy.weekly_days_ahead} on weekday "
            f"{policy.weekly_weekday}); next run: {nxt.isoformat() if nxt else '-'}"
        )

    def _test(self, organization) -> list[str]:
        health = slot_health(organization)
        slug = organization.slug
        self.stdout.write(
            f"{slug}: coverage {health['service_coverage']}, density "
            f"{health['slot_density']}/day, booking rate {health['booking_rate']}, "
            f"{len(health['conflicts'])} conflict(s), last run "
            f"{health['last_run']['started_at'].isoformat() if health['last_run'] else 'never'}"
        )
        problems = []
        if health["services_active"] and health["services_covered"] < health["services_active"]:
            missing = health["services_active"] - health["services_covered"]
            problems.append(f"{slug}: {missing} active service(s) with no free slot in 7 days")
        last = health["last_run"]
        if policy_of(organization).enabled and (
            last is None or last["started_at"] < now() - STALE_AFTER
        ):
            problems.append(f"{slug}: no maintenance run in the last 2 days")
        return problems
