"""Backups and restores of the whole database, consistent while the application writes.

SQLite: the online backup API copies the database in one step under a read transaction,
so the copy is the database as of one commit, however many writers run meanwhile.
PostgreSQL: `pg_dump` (custom format), which reads inside one snapshot; `pg_restore`
loads it. A restore replaces what the target database holds: stop the application first.
"""

import logging
import os
import shutil
import sqlite3
import subprocess
from glob import glob
from pathlib import Path

from django.conf import settings
from django.db import connections

from switchboard.common.clock import now

logger = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def default_filename(database: dict | None = None) -> str:
    database = database or settings.DATABASES["default"]
    suffix = "sqlite3" if _is_sqlite(database) else "pgdump"
    return f"switchboard-{now():%Y%m%dT%H%M%SZ}.{suffix}"


def backup(output: Path, *, database: dict | None = None) -> Path:
    """Write a consistent copy of the database to `output` (replaced if it exists)."""
    database = database or settings.DATABASES["default"]
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    if _is_sqlite(database):
        _sqlite_copy(database["NAME"], partial)
    else:
        _run(
            _pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            f"--file={partial}",
            database=database,
        )
    partial.replace(output)  # a crash mid-backup never leaves a file that looks whole
    logger.info("backup_written path=%s bytes=%d", output, output.stat().st_size)
    return output


def restore(source: Path, *, database: dict | None = None) -> None:
    """Replace the database's contents with the backup at `source`."""
    database = database or settings.DATABASES["default"]
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    head = source.read_bytes()[:16]
    if _is_sqlite(database):
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{source} is not a SQLite backup")
        connections.close_all()
        _sqlite_copy(str(source), Path(database["NAME"]))
    else:
        if not head.startswith(PGDUMP_MAGIC):
            raise BackupError(f"{source} is not a pg_dump custom-format backup")
        connections.close_all()
        _run(
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            str(source),
            database=database,
            dbname_flag=True,
        )
    logger.info("backup_restored path=%s", source)


def prune(directory: Path, *, keep: int) -> int:
    """Delete all but the newest `keep` backups in `directory`; return how many went."""
    files = sorted(glob(str(Path(directory) / "switchboard-*.*")))
    files = [name for name in files if not name.endswith(".partial")]
    old = files[:-keep] if keep > 0 else []
    for name in old:
        os.unlink(name)
    return len(old)


SQLITE_ENGINES = {"django.db.backends.sqlite3", "switchboard.common.sqlite_backend"}


def _is_sqlite(database: dict) -> bool:
    return database["ENGINE"] in SQLITE_ENGINES


def _sqlite_copy(source: str, target: Path) -> None:
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(str(target))
    try:
        # pages=-1: one step, under one read transaction, so the copy is one commit's state.
        src.backup(dst, pages=-1)
    finally:
        dst.close()
        src.close()


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client)")
    return candidates[-1]


def _run(tool: str, *args: str, database: dict, dbname_flag: bool = False) -> None:
    env = {**os.environ, "PGPASSWORD": str(database.get("PASSWORD") or "")}
    target = ["--dbname", database["NAME"]] if dbname_flag else [database["NAME"]]
    command = [tool, *_pg_connection_args(database), *args, *target]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(tool).name} failed: {done.stderr.strip()[-2000:]}")


def _pg_connection_args(database: dict) -> list[str]:
    args = []
    if database.get("HOST"):
        args += ["--host", str(database["HOST"])]
    if database.get("PORT"):
        args += ["--port", str(database["PORT"])]
    if database.get("USER"):
        args += ["--username", str(database["USER"])]
    return [*args, "--no-password"]
