import time
from datetime import timedelta
from types import SimpleNamespace

import pytest

from switchboard.scheduler import lease as lease_module
from switchboard.scheduler import services
from switchboard.scheduler.dbclock import database_now
from switchboard.scheduler.lease import LeaseKeeper
from switchboard.scheduler.models import Lease

TERM = timedelta(seconds=30)


@pytest.mark.django_db
def test_a_free_lease_is_taken_and_a_held_one_is_refused():
    assert services.lease_claim(name="jobs", holder="a", term=TERM)
    assert not services.lease_claim(name="jobs", holder="b", term=TERM)
    lease = Lease.objects.get(name="jobs")
    assert lease.holder == "a"
    assert lease.expires_at > database_now() + timedelta(seconds=25)


@pytest.mark.django_db
def test_renewal_extends_only_the_holders_term():
    services.lease_claim(name="jobs", holder="a", term=TERM)
    acquired = Lease.objects.get(name="jobs")
    assert services.lease_claim(name="jobs", holder="a", term=timedelta(seconds=60))
    renewed = Lease.objects.get(name="jobs")
    assert renewed.acquired_at == acquired.acquired_at
    assert renewed.expires_at > acquired.expires_at
    assert renewed.holder == "a"


@pytest.mark.django_db
def test_an_expired_lease_is_taken_over():
    services.lease_claim(name="jobs", holder="a", term=timedelta(milliseconds=50))
    time.sleep(0.1)
    assert services.lease_claim(name="jobs", holder="b", term=TERM)
    assert Lease.objects.get(name="jobs").holder == "b"
    # The old holder, back from a pause, cannot renew what it lost.
    assert not services.lease_claim(name="jobs", holder="a", term=TERM)
    assert Lease.objects.get(name="jobs").holder == "b"


@pytest.mark.django_db
def test_release_frees_the_lease_at_once_and_only_for_its_holder():
    services.lease_claim(name="jobs", holder="a", term=TERM)
    assert not services.lease_release(name="jobs", holder="b")
    assert Lease.objects.get(name="jobs").holder == "a"
    assert services.lease_release(name="jobs", holder="a")
    assert Lease.objects.get(name="jobs").holder == ""
    assert services.lease_claim(name="jobs", holder="b", term=TERM)


class FakeMonotonic:
    def __init__(self, at: float = 1000.0):
        self.at = at

    def __call__(self) -> float:
        return self.at


@pytest.mark.django_db
def test_keeper_stops_acting_when_its_term_runs_out_without_renewal(monkeypatch):
    clock = FakeMonotonic()
    monkeypatch.setattr(lease_module, "time", SimpleNamespace(monotonic=clock))
    keeper = LeaseKeeper(name="jobs", holder="a", term=10)
    assert not keeper.held()
    assert keeper.claim()  # its term counts from before it asked: 1000 s
    clock.at = 1008.999
    assert keeper.held()
    clock.at = 1009.0
    assert not keeper.held()  # the margin (1 s) ends our term before the row expires


@pytest.mark.django_db
def test_keeper_that_loses_the_lease_stops_at_once():
    keeper = LeaseKeeper(name="jobs", holder="a", term=30)
    assert keeper.claim()
    # Another process took it (as it may after our term ran out while we were paused).
    Lease.objects.filter(name="jobs").update(holder="b")
    assert not keeper.claim()
    assert not keeper.held()
