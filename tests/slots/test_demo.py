"""The demo seeds availability once, makes the window, and keeps the user's changes."""

from django.core.management import call_command

from switchboard.accounts.models import Organization
from switchboard.slots.models import BookingSlot, ProviderAvailability


def test_demo_window_exists_and_a_rerun_keeps_the_users_changes(db):
    call_command("seed_demo", quiet_logins=True)
    wash = Organization.objects.get(slug="sparkle-wash")
    assert BookingSlot.objects.filter(organization=wash).exists()
    mine = ProviderAvailability.objects.filter(organization=wash).first()
    kept = ProviderAvailability.objects.filter(staff=mine.staff).exclude(pk=mine.pk).count()
    mine.delete()  # the user's own change: one window less
    call_command("seed_demo", quiet_logins=True)
    assert ProviderAvailability.objects.filter(staff=mine.staff).count() == kept
    assert not BookingSlot.objects.filter(service__workflow="reservation").exists()
