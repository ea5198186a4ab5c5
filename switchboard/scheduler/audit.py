"""Audit checks: every stored value that could disagree with its truth, compared with it.

A check is a function taking no arguments that returns `(count, examples)`: how many
differences it found and a few of them described. The `audit_invariants` job runs them
all, logs every difference and reports the counts and examples in its job record. It
never fixes anything: a difference is a bug to find, not a number to paper over.

Each app registers its checks from its `jobs.py` (imports flow from the apps to the
scheduler, never back).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from switchboard.common.hooks import Hooks

logger = logging.getLogger(__name__)

CheckFunction = Callable[[], tuple[int, list[str]]]


@dataclass(frozen=True)
class AuditCheck:
    name: str
    func: CheckFunction


_checks: dict[str, AuditCheck] = {}

# Called with (check name, differences, examples) when a check finds differences, and with
# a count of -1 and the error when it cannot run: the alerts app raises an alert.
finding_hooks = Hooks("audit_finding")


def register_check(name: str, func: CheckFunction) -> AuditCheck:
    check = AuditCheck(name=name, func=func)
    _checks[name] = check
    return check


def unregister_check(name: str) -> None:
    _checks.pop(name, None)


def all_checks() -> list[AuditCheck]:
    return list(_checks.values())


def run_checks(checks: list[AuditCheck] | None = None) -> dict:
    """Run every check; one that fails to run is reported, and the others still run."""
    checks = all_checks() if checks is None else checks
    counts = {"checks": len(checks), "differences": 0, "failed_checks": 0}
    findings: dict[str, dict] = {}
    for check in checks:
        try:
            found, examples = check.func()
        except Exception as exc:
            logger.exception("audit_check_failed check=%s", check.name)
            counts["failed_checks"] += 1
            findings[check.name] = {"error": f"{exc.__class__.__name__}: {exc}"}
            finding_hooks.run_safely(check.name, -1, [findings[check.name]["error"]])
            continue
        if found:
            counts["differences"] += found
            findings[check.name] = {"count": found, "examples": examples}
            for example in examples:
                logger.error("audit_difference check=%s %s", check.name, example)
            logger.error("audit_differences check=%s count=%d", check.name, found)
            finding_hooks.run_safely(check.name, found, examples)
    if findings:
        counts["findings"] = findings
    logger.info(
        "audit_finished checks=%d differences=%d failed_checks=%d",
        counts["checks"],
        counts["differences"],
        counts["failed_checks"],
    )
    return counts
