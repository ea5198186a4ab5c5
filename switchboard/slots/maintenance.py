"""One maintenance run of one organisation: expire, remove what no longer fits, create
what is missing. Idempotent: a second run at the same moment changes nothing.
docs/slots.md, "Maintenance". The caller (`services.slots_maintain`) holds the transaction.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection

from switchboard.slots import inputs
from switchboard.slots.generation import Candidate, date_range, generate
from switchboard.slots.models import BookingSlot, SlotWindow
from switchboard.slots.policy import Policy
from switchboard.slots.sources import counts_of


@dataclass
class SlotChanges:
    created: int = 0
    removed: int = 0
    expired: int = 0
    updated: int = 0
    conflicts: int = 0
    conflict_slots: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.removed or self.expired or self.updated)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "removed": self.removed,
            "expired": self.expired,
            "updated": self.updated,
            "conflicts": self.conflicts,
            "conflict_slots": list(self.conflict_slots),
        }


@dataclass
class Line:
    """What a run does (or would do) for one provider and service."""

    provider_id: int
    provider: str
    service_id: int
    service: str
    create: int = 0
    remove: int = 0
    update: int = 0
    keep_booked: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class MaintenanceReport:
    days_ahead: int
    first_day: date
    last_day: date
    dry_run: bool
    changes: SlotChanges = field(default_factory=SlotChanges)
    lines: list[Line] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "days_ahead": self.days_ahead,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "dry_run": self.dry_run,
            "changes": self.changes.as_dict(),
            "lines": [
                line.as_dict()
                for line in self.lines
                if line.create or line.remove or line.update or line.keep_booked
            ],
        }


@dataclass
class _Plan:
    # (service id, provider id, starts_at, ends_at, capacity)
    create: list[tuple] = field(default_factory=list)
    remove: list[int] = field(default_factory=list)
    update: list[BookingSlot] = field(default_factory=list)
    conflicts: list[int] = field(default_factory=list)
    windows: list[SlotWindow] = field(default_factory=list)
    drop_windows: list[int] = field(default_factory=list)


def expire(organization, *, now, policy: Policy, force_cleanup: bool, scope: dict) -> int:
    """Remove slots that have started: unbooked ones when `cleanup_expired`; booked ones
    only with `force_cleanup` (or when booked ones are not preserved). Never a booking."""
    started = BookingSlot.objects.for_org(organization).filter(starts_at__lt=now, **scope)
    if not policy.cleanup_expired and not force_cleanup:
        return 0
    remove_booked = force_cleanup or not policy.preserve_booked_expired
    ids = list(started.values_list("pk", flat=True))
    if not ids:
        return 0
    if not remove_booked:
        booked = _booked(ids)
        ids = [pk for pk in ids if not booked.get(pk)]
    return _delete(ids)


CHUNK = 500


def _booked(ids) -> dict[int, int]:
    """{slot id: booked} for many ids, a chunk at a time (SQLite caps query variables)."""
    found: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        found.update(counts_of(BookingSlot.objects.filter(pk__in=ids[start : start + CHUNK])))
    return found


def _delete(ids) -> int:
    deleted = 0
    for start in range(0, len(ids), CHUNK):
        deleted += BookingSlot.objects.filter(pk__in=ids[start : start + CHUNK]).delete()[0]
    return deleted


def _existing(organization, now, pairs, scope):
    """({(service id, provider id): {start: row}}, the queryset it was read from)."""
    found: dict = defaultdict(dict)
    wanted = {(p.service.pk, p.provider_id) for p in pairs}
    if not wanted:
        return found, None
    rows = BookingSlot.objects.for_org(organization).filter(
        starts_at__gte=now,
        provider_id__in={pk for _, pk in wanted},
        service_id__in={pk for pk, _ in wanted},
        **scope,
    )
    for row in rows.values_list(
        "pk", "service_id", "provider_id", "starts_at", "ends_at", "capacity", "conflict_since"
    ):
        if (row[1], row[2]) in wanted:
            found[(row[1], row[2])][row[3]] = row
    return found, rows


def _plan_pair(pair, existing: dict, candidates: list[Candidate], booked, ctx, plan, line):
    """Compare one pair's existing future slots with what the rules give now."""
    service = pair.service
    desired = {c.starts_at: c for c in candidates} if pair.valid else {}
    notice = timedelta(minutes=service.min_notice_minutes) if pair.valid else timedelta(0)
    earliest = ctx["now"] + notice
    for start, (pk, _, _, _, ends, capacity, conflict_since) in existing.items():
        wanted = desired.get(start)
        if wanted is not None:
            if (ends, capacity, conflict_since) != (wanted.ends_at, service.slot_capacity, None):
                plan.update.append(
                    BookingSlot(pk=pk, ends_at=wanted.ends_at, capacity=service.slot_capacity)
                )
                line.update += 1
        elif start < earliest:
            continue  # within the notice: nobody can book it; it expires soon
        elif booked.get(pk):
            plan.conflicts.append(pk)
            line.keep_booked += 1
        else:
            plan.remove.append(pk)
            line.remove += 1
    fresh = [
        c
        for c in candidates
        if pair.valid and c.starts_at not in existing and c.day <= ctx["last_day"]
    ]
    for c in fresh[: ctx["policy"].max_slots_per_service]:
        plan.create.append(
            (service.pk, pair.provider_id, c.starts_at, c.ends_at, service.slot_capacity)
        )
        line.create += 1
    return len(fresh) <= ctx["policy"].max_slots_per_service


def plan(organization, *, now, days_ahead, policy, pairs, full: bool, scope: dict):
    zone = organization.tzinfo
    today = now.astimezone(zone).date()
    last_day = today + timedelta(days=days_ahead - 1)
    staff_ids = sorted({p.provider_id for p in pairs})
    rules = inputs.load_rules(organization, staff_ids, today - timedelta(days=1))
    busy = inputs.load_busy(organization, staff_ids, inputs.busy_since(now, pairs))
    ctx = {"organization": organization, "now": now, "last_day": last_day, "policy": policy}
    result, lines, todo = _Plan(), [], []
    for pair in pairs:
        digest = inputs.fingerprint(
            pair, rules[pair.provider_id], busy[pair.provider_id], today=today, last_day=last_day
        )
        if not full and pair.window is not None and pair.window.fingerprint == digest:
            continue
        todo.append((pair, digest))
    existing, existing_qs = _existing(organization, now, [p for p, _ in todo], scope)
    booked = counts_of(existing_qs) if existing else {}
    for pair, digest in todo:
        mine = existing.get((pair.service.pk, pair.provider_id), {})
        last_existing = max(mine, default=now).astimezone(zone).date()
        candidates = generate(
            rules=rules[pair.provider_id],
            shape=inputs.shape_of(pair.service),
            service_id=pair.service.pk,
            zone=zone,
            days=date_range(today - timedelta(days=1), max(last_day, last_existing)),
            busy=busy[pair.provider_id],
            now=now,
            today=today,
        )
        line = Line(pair.provider_id, pair.provider_name, pair.service.pk, pair.service.name)
        complete = _plan_pair(pair, mine, candidates, booked, ctx, result, line)
        lines.append(line)
        _plan_window(organization, pair, digest if complete else "", line, result)
    return result, lines, (today, last_day)


def _plan_window(organization, pair, digest, line: Line, result: _Plan) -> None:
    if not pair.valid and not line.keep_booked:
        # Nothing of the pair is left to watch: forget it.
        if pair.window is not None:
            result.drop_windows.append(pair.window.pk)
        return
    window = pair.window or SlotWindow(
        organization=organization, service=pair.service, provider_id=pair.provider_id
    )
    window.fingerprint = digest
    result.windows.append(window)


def _lock(ids) -> None:
    """Lock the slots about to be removed (in id order), so that a booking that takes one
    meanwhile either commits first (and is counted below) or finds it gone."""
    for start in range(0, len(ids), CHUNK):
        list(
            BookingSlot.objects.select_for_update()
            .filter(pk__in=ids[start : start + CHUNK])
            .order_by("pk")
            .values_list("pk", flat=True)
        )


INSERT_FIELDS = ("organization", "created_at", "service", "provider", "starts_at", "ends_at")
INSERT_FIELDS += ("capacity", "conflict_since")


def _datetime_adapter():
    if connection.vendor == "sqlite":
        # What Django's SQLite adapter makes of an aware UTC datetime, without its checks:
        # every time here comes from generation, in UTC.
        return lambda value: str(value.replace(tzinfo=None))
    return connection.ops.adapt_datetimefield_value


def _insert(organization, rows: list[tuple], *, now, batch_size: int) -> None:
    """New slots in batches of one INSERT … ON CONFLICT DO NOTHING each (a concurrent run
    may have made the same start). Plain tuples: building a model instance per row cost
    more than the database's own work."""
    meta = BookingSlot._meta
    columns = ", ".join(meta.get_field(name).column for name in INSERT_FIELDS)
    marks = ", ".join(["%s"] * len(INSERT_FIELDS))
    sql = f"INSERT INTO {meta.db_table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING"
    adapt = _datetime_adapter()
    created = connection.ops.adapt_datetimefield_value(now)
    # In time order: most of the table's indexes lead with (or end in) the start, and
    # appending to them is far cheaper than inserting all over them.
    params = [
        (organization.pk, created, service, provider, adapt(start), adapt(end), capacity, None)
        for service, provider, start, end, capacity in sorted(rows, key=lambda r: r[2])
    ]
    with connection.cursor() as cursor:
        for first in range(0, len(params), batch_size):
            cursor.executemany(sql, params[first : first + batch_size])


def apply(result: _Plan, organization, *, now, batch_size: int, changes: SlotChanges) -> None:
    remove = sorted(result.remove)
    conflicts = list(result.conflicts)
    if remove:
        _lock(remove)
        booked = _booked(remove)
        conflicts += [pk for pk in remove if booked.get(pk)]
        remove = [pk for pk in remove if not booked.get(pk)]
        changes.removed += _delete(remove)
    if result.create:
        _insert(organization, result.create, now=now, batch_size=batch_size)
        changes.created += len(result.create)
    if result.update:
        BookingSlot.objects.bulk_update(
            result.update, ["ends_at", "capacity", "conflict_since"], batch_size=batch_size
        )
        changes.updated += len(result.update)
    if conflicts:
        BookingSlot.objects.filter(pk__in=conflicts, conflict_since__isnull=True).update(
            conflict_since=now
        )
    changes.conflicts += len(conflicts)
    changes.conflict_slots += sorted(conflicts)
    _save_windows(result)


def _save_windows(result: _Plan) -> None:
    fresh = [w for w in result.windows if w.pk is None]
    known = [w for w in result.windows if w.pk is not None]
    if fresh:
        SlotWindow.objects.bulk_create(fresh, ignore_conflicts=True)
    if known:
        SlotWindow.objects.bulk_update(known, ["fingerprint"], batch_size=500)
    if result.drop_windows:
        SlotWindow.objects.filter(pk__in=result.drop_windows).delete()


def run(
    organization,
    *,
    now,
    days_ahead: int,
    policy: Policy,
    provider=None,
    service=None,
    force_cleanup: bool = False,
    dry_run: bool = False,
    full: bool = False,
) -> MaintenanceReport:
    """Plan and apply one run (the caller rolls a dry run back)."""
    scope = {}
    if provider is not None:
        scope["provider"] = provider
    if service is not None:
        scope["service"] = service
    pairs = inputs.load_pairs(organization, service=service, provider=provider)
    result, lines, (first, last) = plan(
        organization,
        now=now,
        days_ahead=days_ahead,
        policy=policy,
        pairs=pairs,
        full=full,
        scope=scope,
    )
    report = MaintenanceReport(days_ahead, first, last, dry_run, lines=lines)
    report.changes.expired = expire(
        organization, now=now, policy=policy, force_cleanup=force_cleanup, scope=scope
    )
    apply(result, organization, now=now, batch_size=policy.batch_size, changes=report.changes)
    return report
