from datetime import UTC, datetime, timedelta

import pytest

from switchboard.common import clock


def test_frozen_clock_holds_and_advances():
    moment = datetime(2026, 3, 29, 0, 59, tzinfo=UTC)
    with clock.frozen_at(moment):
        assert clock.now() == moment
        assert clock.advance(timedelta(minutes=2)) == moment + timedelta(minutes=2)
        assert clock.now() == moment + timedelta(minutes=2)
    assert clock.now() != moment + timedelta(minutes=2)


def test_clock_refuses_naive_datetimes():
    with pytest.raises(ValueError), clock.frozen_at(datetime(2026, 1, 1)):  # noqa: DTZ001
        pass


def test_advance_needs_a_frozen_clock():
    with pytest.raises(RuntimeError):
        clock.advance(timedelta(seconds=1))
