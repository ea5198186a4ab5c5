from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from switchboard.operations import backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database while the application runs "
        "(SQLite: online backup API; PostgreSQL: pg_dump custom format)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="file to write (default: BACKUP_DIR/switchboard-<UTC time>.sqlite3|.pgdump)",
        )

    def handle(self, *args, output=None, **options):
        path = Path(output) if output else Path(settings.BACKUP["DIR"]) / backup.default_filename()
        try:
            written = backup.backup(path)
        except (backup.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backup written to {written} ({written.stat().st_size} bytes).")
