"""Alerts raised by the scheduler: a failed job, an audit check that found differences or
could not run. The scheduler imports no app, so it runs hook lists that this module fills."""

from switchboard.alerts import services
from switchboard.scheduler import audit, execution


def alert_job_failed(job: str, error: str) -> None:
    services.alert_raise(key=f"job:{job}", title=f"Job {job} failed", detail=error)


def alert_audit_finding(check: str, count: int, examples: list[str]) -> None:
    title = (
        f"Audit check {check} could not run"
        if count < 0
        else f"Audit check {check} found {count} difference{'s' if count != 1 else ''}"
    )
    services.alert_raise(key=f"audit:{check}", title=title, detail="\n".join(examples))


def register() -> None:
    execution.failure_hooks.register(alert_job_failed)
    audit.finding_hooks.register(alert_audit_finding)
