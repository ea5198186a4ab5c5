"""The hook registry: registered once, run in order (or reverse), errors by choice."""

import logging

import pytest

from switchboard.common.hooks import Hooks


def test_a_hook_registered_twice_runs_once_and_in_registration_order():
    calls = []
    hooks = Hooks("test")

    def first():
        calls.append("first")

    def second():
        calls.append("second")

    assert hooks.register(first) is first
    hooks.register(second)
    hooks.register(first)
    hooks.run()
    assert calls == ["first", "second"]
    calls.clear()
    hooks.run(reverse=True)
    assert calls == ["second", "first"]
    hooks.unregister(first)
    hooks.unregister(first)  # unregistering what is not there is harmless
    calls.clear()
    hooks.run()
    assert calls == ["second"]


def test_run_raises_the_first_error_and_run_safely_logs_it_and_goes_on(caplog):
    calls = []
    hooks = Hooks("test")

    def broken():
        raise RuntimeError("no luck")

    hooks.register(broken)
    hooks.register(lambda: calls.append("after"))
    with pytest.raises(RuntimeError):
        hooks.run()
    assert calls == []
    with caplog.at_level(logging.ERROR, logger="switchboard.common.hooks"):
        hooks.run_safely()
    assert calls == ["after"]
    assert "hook_failed hooks=test hook=" in caplog.text


def test_lifespan_shutdown_runs_in_reverse_order(monkeypatch):
    from switchboard import lifespan

    calls = []
    monkeypatch.setattr(lifespan, "startup", Hooks("startup"))
    monkeypatch.setattr(lifespan, "shutdown", Hooks("shutdown"))
    for name in ("a", "b"):
        lifespan.startup.register(lambda name=name: calls.append(f"start {name}"))
        lifespan.shutdown.register(lambda name=name: calls.append(f"stop {name}"))
    lifespan.run_startup()
    lifespan.run_shutdown()
    assert calls == ["start a", "start b", "stop b", "stop a"]
