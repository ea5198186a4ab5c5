"""A named list of callables that one module fills and another runs.

This is how code calls code it may not import: the served application starts what apps
asked for at start-up, a commit wakes a job the scheduler runs. Registering the same
callable twice keeps one entry, so `AppConfig.ready()` may run more than once.
"""

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

Hook = Callable[..., object]


class Hooks:
    def __init__(self, name: str):
        self.name = name
        self._hooks: list[Hook] = []

    def __repr__(self) -> str:
        return f"Hooks({self.name!r}, {len(self._hooks)} registered)"

    def __len__(self) -> int:
        return len(self._hooks)

    def __contains__(self, hook: Hook) -> bool:
        return hook in self._hooks

    def register(self, hook: Hook) -> Hook:
        """Add `hook` once; returns it, so this also works as a decorator."""
        if hook not in self._hooks:
            self._hooks.append(hook)
        return hook

    def unregister(self, hook: Hook) -> None:
        if hook in self._hooks:
            self._hooks.remove(hook)

    def run(self, *args, reverse: bool = False, **kwargs) -> None:
        """Call every hook with the given arguments, in order (or in reverse); the first
        error stops and propagates (inside a service, it rolls the change back)."""
        hooks = list(reversed(self._hooks)) if reverse else list(self._hooks)
        for hook in hooks:
            hook(*args, **kwargs)

    def run_safely(self, *args, **kwargs) -> None:
        """Call every hook with the given arguments; log an error and go on. For callers
        that must never fail because of a hook, such as code running on commit."""
        for hook in list(self._hooks):
            try:
                hook(*args, **kwargs)
            except Exception:
                logger.exception("hook_failed hooks=%s hook=%s", self.name, _name_of(hook))


def _name_of(hook: Hook) -> str:
    return getattr(hook, "__qualname__", None) or repr(hook)
