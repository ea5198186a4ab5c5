from django.apps import AppConfig
from django.conf import settings


class SchedulerConfig(AppConfig):
    name = "switchboard.scheduler"
    label = "scheduler"
    verbose_name = "Jobs"

    def ready(self):
        from switchboard import lifespan
        from switchboard.realtime import relay
        from switchboard.scheduler import jobs, runner

        jobs.register_jobs()
        # A commit that wrote outbox rows wakes the relay at once, when this process leads.
        relay.on_nudge(jobs.wake_relay)
        if settings.SCHEDULER_ENABLED:
            lifespan.on_startup(runner.start)
            lifespan.on_shutdown(runner.stop)
