"""When an organisation's scheduled maintenance is due: daily at its local
`DAILY_MAINTENANCE_TIME`, looking `WEEKLY_DAYS_AHEAD` ahead on `WEEKLY_WEEKDAY`."""

from datetime import datetime, timedelta

from switchboard.scheduler.schedules import DailyAt
from switchboard.slots.policy import Policy


def _daily(organization, policy: Policy) -> DailyAt:
    return DailyAt(at=policy.daily_maintenance_time, zone=organization.timezone)


def latest_due(organization, policy: Policy, at: datetime) -> datetime:
    """The last occurrence of the maintenance time at or before `at`."""
    daily = _daily(organization, policy)
    today = at.astimezone(organization.tzinfo).date()
    occurrences = [daily.occurrence(today - timedelta(days=n)) for n in (0, 1, 2)]
    return max(occurrence for occurrence in occurrences if occurrence <= at)


def next_daily_run(organization, policy: Policy, at: datetime) -> datetime:
    return _daily(organization, policy).after(at)


def days_ahead_for(organization, policy: Policy, due: datetime) -> tuple[int, bool]:
    """(days ahead, weekly?) for the run due at `due`."""
    if due.astimezone(organization.tzinfo).weekday() == policy.weekly_weekday:
        return max(policy.weekly_days_ahead, policy.days_ahead), True
    return policy.days_ahead, False
