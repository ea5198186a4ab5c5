import pytest

from switchboard.common import clock
from tests.dispatch.factories import NOW


@pytest.fixture
def frozen():
    """The clock stopped at NOW; `clock.advance(...)` moves it."""
    with clock.frozen_at(NOW):
        yield
