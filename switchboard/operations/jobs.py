"""The daily backup job, registered only when a retention count is set (BACKUP_KEEP > 0).

A failed backup raises, so the scheduler records it as an error (and retries it with
back-off) like any failed job.
"""

from pathlib import Path

from django.conf import settings

from switchboard.operations import backup
from switchboard.scheduler import registry
from switchboard.scheduler.schedules import DailyAt

BACKUP_JOB = "backup_database"


def backup_database() -> dict:
    config = settings.BACKUP
    directory = Path(config["DIR"])
    written = backup.backup(directory / backup.default_filename())
    removed = backup.prune(directory, keep=config["KEEP"])
    return {"written": 1, "bytes": written.stat().st_size, "removed": removed}


def register() -> None:
    config = settings.BACKUP
    if config["KEEP"] > 0:
        registry.register(
            BACKUP_JOB,
            DailyAt.parse(config["AT"], settings.SCHEDULER["TIME_ZONE"]),
            backup_database,
        )
    else:
        registry.unregister(BACKUP_JOB)
