"""Processes for the race tests, started with Django already loaded.

A spawned process imports Django and every app before it can race (seconds each on a
busy two-core machine, four at a time). A fork server does that once: it imports
`tests.support.django_loaded` when the first race test starts it, and each worker is a
fork of it, a fresh process with no connection, thread or state of the test's own. The
workers then point Django at the test database, exactly as spawned ones did.
"""

import multiprocessing


def worker_context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.support.django_loaded"])
    return context
