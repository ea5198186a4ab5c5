"""The dispatch job: `expire_offers`, due at the earliest pending offer's deadline (and at
least every `DISPATCH["OFFER_MAX_WAIT_SECONDS"]`), woken when an offer is sent. It expires
what is due and sends each pickup's next offer, all in one pass; running it twice changes
nothing."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Min

from switchboard.common.tenancy import cross_org
from switchboard.dispatch.models import Answer, PickupOffer
from switchboard.dispatch.services import handover, offers
from switchboard.scheduler import registry, runner
from switchboard.scheduler.schedules import NextDeadline

OFFER_JOB = "expire_offers"


def next_deadline() -> datetime | None:
    with cross_org():
        pending = PickupOffer.objects.filter(answer=Answer.PENDING)
        return pending.aggregate(first=Min("expires_at"))["first"]


def expire_offers() -> dict:
    with cross_org():
        return {"expired": handover.offers_expire_due()}


def wake_offers() -> None:
    runner.wake(OFFER_JOB)


def register() -> None:
    wait = timedelta(seconds=settings.DISPATCH["OFFER_MAX_WAIT_SECONDS"])
    registry.register(OFFER_JOB, NextDeadline(next_deadline, max_wait=wait), expire_offers)
    offers.new_offer.register(wake_offers)
