import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from switchboard.common.long_lived import set_aside_startup_objects
from switchboard.scheduler import runner

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run the job scheduler alone (no web server). With several processes only the one "
        "holding the lease runs jobs. SIGTERM or SIGINT: finish the running job, release "
        "the lease, exit."
    )

    def handle(self, *args, **options):
        if not settings.REDIS_URL:
            # The in-memory broker reaches only this process's listeners, and this
            # process serves no WebSocket clients.
            logger.warning(
                "run_scheduler_without_redis: relayed events reach no WebSocket client of "
                "another process; set REDIS_URL when web processes run with "
                "SCHEDULER_ENABLED=0"
            )
        stopping = threading.Event()

        def on_signal(signum, frame):
            logger.info("run_scheduler_signal signal=%s", signal.Signals(signum).name)
            stopping.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        active = runner.start()
        set_aside_startup_objects()
        self.stdout.write(f"Scheduler running as {active.holder}; stop with Ctrl-C.")
        while not stopping.wait(0.5):
            pass
        runner.stop()
        self.stdout.write("Scheduler stopped; lease released.")
