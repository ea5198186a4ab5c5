"""The outbox relay: committed events go to the broker in id order, then are marked.

Services write `OutboxEvent` rows inside their own transaction (`publish.publish`); the
relay runs as the `relay_outbox` job (declared in `realtime/jobs.py`), in the one process
that holds the scheduler's lease, woken right after a commit in that process (`nudge`) and
woken by commits in other processes through PostgreSQL NOTIFY or Redis (`wakeups.py`), and
polling as a fallback.

Delivery is at least once from here: a process that dies after handing events to the
broker but before marking them publishes them again when a relay next runs. Every message
carries its `event_id` and clients de-duplicate by it, so an application sees each event
exactly once (docs/events.md, "Delivery").

Order: events leave in id order, so each channel's events keep their order too. That needs
the relay to see only a gap-free prefix of ids. On SQLite IMMEDIATE transactions serialise
writers, so ids are handed out in commit order. On PostgreSQL a transaction that took id 10
may commit after one that took id 11; before reading, the relay takes a SHARE lock on the
outbox table, which waits for every transaction that has inserted into it (they hold ROW
EXCLUSIVE) and is released straight after the read: every id below the highest one read is
then committed or rolled back, and any later insert gets a higher id. New writers would queue
behind a waiting lock request, so the relay asks with NOWAIT: while a writer is still inside
such a transaction, or maintenance holds the table (an autovacuum's VACUUM or ANALYZE), the
request is refused at once and the relay comes back at the next nudge (a commit sends one)
or poll. Only a relay refused for STARVED_AFTER waits, briefly, and it looks in `pg_locks`
then to outwait maintenance that has held the table long.
"""

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import OperationalError, connection, transaction
from django.db.models import F, Max, Window
from django.db.models.functions import Lag

from switchboard.common import metrics
from switchboard.common.clock import now
from switchboard.common.hooks import Hooks
from switchboard.common.sqlite_wait import WriteLockTaken, brief_lock_wait
from switchboard.realtime.models import OutboxEvent
from switchboard.realtime.server.broker import Message, get_broker

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# PostgreSQL: how long the relay waits for its lock to outwait maintenance. Longer than
# PostgreSQL's deadlock_timeout (1 s), after which an autovacuum of the table that stands in
# the way is cancelled.
LOCK_TIMEOUT_MS = 2000
LOCK_NOT_AVAILABLE = "55P03"  # a NOWAIT refused, or a lock_timeout run out
# While writers are always in flight (or maintenance holds the table) the relay waits for
# them anyway, but no longer than this, at most once per STARVED_AFTER, so that writers
# never queue long behind it.
STARVED_LOCK_TIMEOUT_MS = 100
STARVED_AFTER = 1.0
# Maintenance seen holding the table this long is outwaited (LOCK_TIMEOUT_MS: PostgreSQL
# then cancels an autovacuum), so that a long vacuum cannot hold events back for long.
OUTWAIT_MAINTENANCE_AFTER = 5.0
# The table locks of maintenance that a SHARE request waits for (VACUUM and ANALYZE take
# SHARE UPDATE EXCLUSIVE; index builds and DDL stronger ones); writers hold ROW EXCLUSIVE.
MAINTENANCE_LOCKS = (
    "ShareUpdateExclusiveLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
)
# SQLite: how long the job's relay waits to mark a batch (`Unmarked`), and how long and
# how many it may leave unmarked before it waits for the lock.
MARK_TRY_MS = 50
MARK_DEFER_SECONDS = 5.0
MARK_DEFER_MAX_ROWS = 5000  # one UPDATE … WHERE id IN (…) stays well within SQLite's limits
# The two-sided test switches this off to show the reordering the lock prevents.
ORDER_LOCK = True

# Called with "before_publish" (events committed, not yet handed to the broker) and
# "after_publish" (handed over, not yet marked). The crash test kills the process there.
fault_hook: Callable[[str], None] | None = None

# What wakes the relay: `realtime/jobs.py` registers the scheduler's wake-up here.
nudge_hooks = Hooks("relay_nudge")


# Set while this process listens for other processes' commits (`wakeups`): the listener
# hears this process's own commits as well, so a commit here need not wake the relay a
# second time. Woken twice per commit, the relay ran 1.26 times per booking request at a
# steady stream on PostgreSQL, and a quarter of its runs that got their lock read nothing;
# woken once, 0.88 times, and 6 % (docs/performance.md, "Round six").
commits_heard = False


def nudge() -> None:
    """Wake the relay now. Never raises into a commit."""
    nudge_hooks.run_safely()


def nudge_after_commit() -> None:
    """What `publish` runs on commit: a nudge, unless the listener hears the commit too."""
    if not commits_heard:
        nudge()


def _fault(point: str) -> None:
    if fault_hook is not None:
        fault_hook(point)


@dataclass
class Unmarked:
    """Events one relay handed to the broker and has not marked yet, oldest first.

    On SQLite the mark is a write, and the database has one write lock: while a sweep
    commits batch after batch, SQLite's busy handler (sleeps, not a queue) let the relay's
    UPDATE wait seconds, and every event behind it waited too. A relay that keeps an
    `Unmarked` (the job's) tries the mark without waiting, goes on publishing the events
    after these, and marks them all with a later batch; after `MARK_DEFER_SECONDS` it waits
    for the lock as before. Marked in one statement, oldest first, so the published rows
    stay a prefix and their times keep id order. Lost with the process: the next relay
    publishes them again, which delivery allows (at least once, de-duplicated by id).
    """

    ids: list[int] = field(default_factory=list)
    since: float = 0.0  # when the oldest of `ids` was handed over (monotonic)

    def after(self) -> int:
        return self.ids[-1] if self.ids else 0

    def overdue(self) -> bool:
        """Kept too long or too many: the next mark waits for the lock."""
        return bool(self.ids) and (
            time.monotonic() - self.since >= MARK_DEFER_SECONDS
            or len(self.ids) >= MARK_DEFER_MAX_ROWS
        )


def relay_pending(*, limit: int = BATCH_SIZE, unmarked: Unmarked | None = None) -> int:
    """Publish up to `limit` committed, unpublished events in id order; return how many.

    Without `unmarked` they are marked before this returns. With it, events it holds were
    handed over already: only later ones are read, and the mark may be left for later."""
    if unmarked is not None and unmarked.overdue():
        # Settled before reading: a relay that ran again only after a long pause (or after
        # leading again) never reads past ids it holds from back then.
        _mark(unmarked.ids, wait=True)
        unmarked.ids = []
    rows = _committed_prefix(limit, after=unmarked.after() if unmarked else 0)
    if rows:
        messages = [
            Message(channel=channel, event=event, data=_message_text(pk, payload))
            for pk, channel, event, payload in rows
        ]
        _fault("before_publish")
        get_broker().publish_from_thread(messages)
        _fault("after_publish")
        metrics.OUTBOX_PUBLISHED.inc(len(rows))
        logger.debug("outbox_relayed count=%d last_id=%d", len(rows), rows[-1][0])
    ids = [row[0] for row in rows]
    if unmarked is None:
        if ids:
            _mark(ids, wait=True)
        return len(rows)
    if ids and not unmarked.ids:
        unmarked.since = time.monotonic()
    unmarked.ids += ids
    if unmarked.ids and _mark(unmarked.ids, wait=unmarked.overdue()):
        unmarked.ids = []
    return len(rows)


def _message_text(pk: int, payload: str | dict) -> str:
    """What `OutboxEvent.message()` gives, from the stored payload (JSON text)."""
    if isinstance(payload, str):
        payload = json.loads(payload)
    return json.dumps({**payload, "event_id": pk}, separators=(",", ":"))


# The relay's statements, written out: it runs after nearly every commit, and building
# them with the ORM each time cost more than running them (docs/performance.md).
_TABLE = OutboxEvent._meta.db_table
_PENDING = f"FROM {_TABLE} WHERE published_at IS NULL AND id > %s"
_READ_SQL = f"SELECT id, channel, event, payload {_PENDING} ORDER BY id LIMIT %s"
_LOOK_SQL = f"SELECT 1 {_PENDING} LIMIT 1"


def _pending_rows(limit: int, after: int) -> list[tuple]:
    """(id, channel, event, payload) of committed, unpublished events after `after`."""
    with connection.cursor() as cursor:
        cursor.execute(_READ_SQL, [after, limit])
        return cursor.fetchall()


def _any_pending(after: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_LOOK_SQL, [after])
        return cursor.fetchone() is not None


def _mark_rows(ids: list[int]) -> None:
    published_at = connection.ops.adapt_datetimefield_value(now())
    marks = ", ".join(["%s"] * len(ids))
    sql = f"UPDATE {_TABLE} SET published_at = %s WHERE published_at IS NULL AND id IN ({marks})"
    with connection.cursor() as cursor:
        cursor.execute(sql, [published_at, *ids])


def _mark(ids: list[int], *, wait: bool) -> bool:
    """Mark `ids` published; without `wait`, give up (False) when SQLite's write lock stays
    taken for `MARK_TRY_MS`. PostgreSQL has no such lock: there the mark always goes ahead."""
    if wait or connection.in_atomic_block:
        _mark_rows(ids)
        return True
    try:
        with brief_lock_wait(MARK_TRY_MS):
            _mark_rows(ids)
    except WriteLockTaken:
        logger.debug("outbox_mark_deferred count=%d", len(ids))
        return False
    return True


def _committed_prefix(limit: int, *, after: int = 0) -> list[tuple]:
    if connection.vendor != "postgresql" or not ORDER_LOCK:
        return _pending_rows(limit, after)
    global _blocked_since, _maintenance_since, _pending_seen
    # The common idle poll takes no lock. While events keep coming (the last run found
    # some, or was refused) the look would find them again: the lock is asked at once.
    if not _pending_seen and not _any_pending(after):
        return []
    starved = _blocked_since is not None and time.monotonic() - _blocked_since >= STARVED_AFTER
    timeout = _starved_timeout() if starved else None
    try:
        rows = _locked_read(limit, after, timeout)
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        # A writer is inside its transaction, or maintenance holds the table: come back at
        # the next nudge or poll, unless that has gone on too long.
        if timeout is not None:
            logger.info("outbox_relay_waiting_for_writers waited_ms=%d", timeout)
        if timeout is not None or _blocked_since is None:
            _blocked_since = time.monotonic()
        _pending_seen = True
        return []
    _blocked_since = _maintenance_since = None
    _pending_seen = bool(rows)
    return rows


def _locked_read(limit: int, after: int, timeout: int | None) -> list[tuple]:
    """PostgreSQL: take the SHARE lock and read under it, in one transaction. Without a
    `timeout` the lock is granted at once or refused at once: never a waiting request for
    new writers to queue behind.

    Outside a transaction the statements go in one message, which PostgreSQL runs as one
    transaction (and releases the lock at its end): one round trip instead of four (BEGIN,
    LOCK, SELECT, COMMIT), at a run after nearly every commit (docs/performance.md, "Round
    seven"). The values are numbers of our own, written into the text, since a message of
    several statements takes no parameters."""
    statements = [f"LOCK TABLE {_TABLE} IN SHARE MODE" + (" NOWAIT" if timeout is None else "")]
    if timeout is not None:
        statements.insert(0, f"SET LOCAL lock_timeout = '{int(timeout)}ms'")
    if connection.in_atomic_block:  # a caller's transaction: a savepoint keeps it usable
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            return _pending_rows(limit, after)
    read = _READ_SQL % (int(after), int(limit))
    with connection.cursor() as cursor:
        cursor.execute("; ".join([*statements, read]))
        for _ in statements:
            cursor.nextset()
        return cursor.fetchall()


_pending_seen = False  # the last run on PostgreSQL found events, or was refused its lock
_blocked_since: float | None = None
_maintenance_since: float | None = None  # maintenance seen at every starved look since then


def _starved_timeout() -> int:
    """How long a starved relay waits for its lock: briefly for writers; long enough to
    outwait maintenance that has held the table for OUTWAIT_MAINTENANCE_AFTER."""
    global _maintenance_since
    if not _maintenance_in_the_way():
        _maintenance_since = None
        return STARVED_LOCK_TIMEOUT_MS
    _maintenance_since = _maintenance_since or time.monotonic()
    if time.monotonic() - _maintenance_since >= OUTWAIT_MAINTENANCE_AFTER:
        return LOCK_TIMEOUT_MS
    return STARVED_LOCK_TIMEOUT_MS


def _maintenance_in_the_way() -> bool:
    """Whether another session holds the outbox table for maintenance (VACUUM, ANALYZE,
    an index build, DDL): a lock a SHARE request waits for, taken by no writer."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'relation'"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND relation = to_regclass(%s) AND mode = ANY(%s) AND granted"
            " AND pid <> pg_backend_pid())",
            [OutboxEvent._meta.db_table, list(MAINTENANCE_LOCKS)],
        )
        return cursor.fetchone()[0]


def prune_published(*, older_than: datetime, batch: int = 5000) -> int:
    """Delete published events created before `older_than`; never one still waiting."""
    old = OutboxEvent.objects.filter(created_at__lt=older_than, published_at__isnull=False)
    deleted = 0
    while True:
        ids = list(old.order_by("id").values_list("id", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += OutboxEvent.objects.filter(id__in=ids).delete()[0]


# Audit checks (registered in `realtime/jobs.py`, run by the audit_invariants job). Each
# returns how many differences it found and a few of them described.


def outbox_skipped_events(limit: int = 20) -> tuple[int, list[str]]:
    """Events still waiting although a later one was published: order was broken."""
    newest = OutboxEvent.objects.filter(published_at__isnull=False).aggregate(Max("id"))["id__max"]
    if newest is None:
        return 0, []
    skipped = OutboxEvent.objects.filter(published_at__isnull=True, id__lt=newest).order_by("id")
    examples = [
        f"event {pk} on {channel} is unpublished although event {newest} was published"
        for pk, channel in skipped.values_list("id", "channel")[:limit]
    ]
    return skipped.count(), examples


def outbox_published_out_of_order(limit: int = 20) -> tuple[int, list[str]]:
    """Events marked published earlier than an event with a lower id."""
    marked = OutboxEvent.objects.filter(published_at__isnull=False).annotate(
        previous=Window(Lag("published_at"), order_by=F("id").asc())
    )
    late = list(marked.filter(published_at__lt=F("previous")).values_list("id", "channel"))
    examples = [
        f"event {pk} on {channel} was published before an earlier event"
        for pk, channel in late[:limit]
    ]
    return len(late), examples


def outbox_stuck(*, older_than: datetime, limit: int = 20) -> tuple[int, list[str]]:
    """Events committed before `older_than` and still not published."""
    stuck = OutboxEvent.objects.filter(published_at__isnull=True, created_at__lt=older_than)
    examples = [
        f"event {pk} on {channel} has waited since {created:%Y-%m-%d %H:%M:%S}Z"
        for pk, channel, created in stuck.order_by("id").values_list("id", "channel", "created_at")[
            :limit
        ]
    ]
    return stuck.count(), examples
