import pytest

from tests.webhooks.support import Receiver


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def fast_retries(settings):
    settings.WEBHOOKS = {
        **settings.WEBHOOKS,
        "FIRST_RETRY_SECONDS": 0,
        "TIMEOUT_SECONDS": 5,
    }
