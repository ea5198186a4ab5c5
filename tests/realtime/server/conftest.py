import pytest

from tests.realtime.server.support import ThreadServer
from tests.realtime.support import RedisProcess


@pytest.fixture
def server():
    """A real-time server on a free port (in-memory broker), stopped after the test."""
    with ThreadServer() as running:
        yield running


@pytest.fixture(scope="session")
def redis_process():
    process = RedisProcess().start()
    yield process
    process.stop()


@pytest.fixture
def redis_url(redis_process):
    redis_process.flush()
    return redis_process.url
