from django.apps import AppConfig
from django.conf import settings


class SchedulerConfig(AppConfig):
    name = "switchboard.scheduler"
    label = "scheduler"
    verbose_name = "Jobs"

    def ready(self):
        from switchboard import lifespan
        from switchboard.scheduler import jobs, runner

        # The scheduler's own jobs; every app registers its jobs from its own ready().
        jobs.register()
        if settings.SCHEDULER_ENABLED:
            lifespan.startup.register(runner.start)
            lifespan.shutdown.register(runner.stop)
