"""`maintain_time_slots`, `setup_slot_automation` and the scheduled job."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from switchboard.common.clock import advance, frozen_at
from switchboard.slots import jobs
from switchboard.slots.models import BookingSlot, SlotMaintenanceRun
from switchboard.slots.policy import policy_of
from tests.slots.support import every_day, local, maintain, offering

MONDAY = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_dry_run_tells_the_truth_and_the_real_run_does_exactly_that(org, caplog):
    provider, _service = offering(org)
    every_day(org, provider, "09:00", "12:00")
    with frozen_at(MONDAY):
        dry = run("maintain_time_slots", "--dry-run", "--days-ahead", "2", "-v", "2")
        assert not BookingSlot.objects.exists()
        assert f"{provider.user.username} / Car wash: would create 6, remove 0" in dry
        assert "Dry run, nothing changed" in dry and "created=6" in dry
        caplog.clear()
        with caplog.at_level("INFO", logger="switchboard.slots.commands"):
            run("maintain_time_slots", "--days-ahead", "2")
        assert BookingSlot.objects.count() == 6
        [line] = [r.getMessage() for r in caplog.records if r.name == "switchboard.slots.commands"]
        assert line == (
            "maintain_time_slots orgs=1 created=6 removed=0 expired=0 updated=0 conflicts=0 "
            "dry_run=False"
        )
        again = run("maintain_time_slots", "--dry-run", "--days-ahead", "2")
    assert "created=0 removed=0 expired=0 updated=0" in again


def test_limits_by_provider_and_service(org):
    provider, service = offering(org)
    other, _ = offering(org, name="Polish")
    every_day(org, provider, "09:00", "10:00")
    every_day(org, other, "09:00", "10:00")
    with frozen_at(MONDAY):
        run("maintain_time_slots", "--days-ahead", "1", "--provider-id", str(provider.pk))
        assert set(BookingSlot.objects.values_list("provider_id", flat=True)) == {provider.pk}
        run("maintain_time_slots", "--days-ahead", "1", "--service-id", str(service.pk))
    assert BookingSlot.objects.count() == 1
    with pytest.raises(CommandError, match="No staff member"):
        run("maintain_time_slots", "--provider-id", "999999")


def test_setup_remove_list_and_test(org):
    provider, _service = offering(org)
    every_day(org, provider, "09:00", "17:00")
    with frozen_at(MONDAY):
        out = run("setup_slot_automation", "--action", "remove")
        assert "acme: disabled" in out and not policy_of(org).enabled
        assert "acme: enabled, daily at 02:00 Europe/Dublin" in run(
            "setup_slot_automation", "--action", "setup"
        )
        with pytest.raises(CommandError, match="no free slot in 7 days"):
            run("setup_slot_automation", "--action", "test")
        maintain(org)
        assert "healthy" in run("setup_slot_automation", "--action", "test", "--org", "acme")
        assert "Job maintain_time_slots: every 15 min" in run(
            "setup_slot_automation", "--action", "list"
        )


def test_the_job_runs_once_a_day_at_the_local_time_and_weekly_further(org):
    provider, _service = offering(org)
    every_day(org, provider, "09:00", "10:00")
    with frozen_at(local(org, "2026-06-05 01:00")):  # a Friday, before 02:00 local
        assert jobs.maintain_time_slots()["organizations"] == 1  # never ran: catch up now
        assert jobs.maintain_time_slots()["organizations"] == 0
        advance(timedelta(minutes=45))
        assert jobs.maintain_time_slots()["organizations"] == 0  # 01:45: not yet
        advance(timedelta(minutes=30))
        assert jobs.maintain_time_slots()["organizations"] == 1  # 02:15: today's run
        advance(timedelta(days=2))  # Sunday 02:15: the weekly run looks 45 days ahead
        assert jobs.maintain_time_slots()["organizations"] == 1
    runs = list(
        SlotMaintenanceRun.objects.order_by("started_at").values_list("days_ahead", flat=True)
    )
    assert runs == [30, 30, 45]
    last = BookingSlot.objects.order_by("starts_at").last().starts_at.astimezone(org.tzinfo)
    assert last.date().isoformat() == "2026-07-21"  # Sunday 7 June + 44 days
