"""Every write of dispatch goes through these functions (one transaction each)."""

from switchboard.dispatch.services.assign import pickup_assign, pickup_request
from switchboard.dispatch.services.batch import batch_assign
from switchboard.dispatch.services.handover import offers_expire_due
from switchboard.dispatch.services.offers import (
    offer_accept,
    offer_decline,
    pickup_auto_assign,
)
from switchboard.dispatch.services.positions import position_record

__all__ = [
    "batch_assign",
    "offer_accept",
    "offer_decline",
    "offers_expire_due",
    "pickup_assign",
    "pickup_auto_assign",
    "pickup_request",
    "position_record",
]
