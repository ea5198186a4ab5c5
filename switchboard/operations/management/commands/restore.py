from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from switchboard.operations import backup


class Command(BaseCommand):
    help = (
        "Replace the database's contents with a backup written by `backup`. "
        "Stop the application (web workers and run_scheduler) first."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a backup written by `manage.py backup`")

    def handle(self, *args, file, **options):
        try:
            backup.restore(Path(file))
        except (backup.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored {file}.")
