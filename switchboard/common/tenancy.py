"""Tenancy: every query of an organisation's rows runs inside that organisation's scope.

Organisation-owned models use `scoped_manager()` as their `objects`. Outside a scope their
queries raise `ScopeError` instead of returning every tenant's rows; inside
`org_scope(organization)` they see that organisation's rows only, so another tenant's id
is simply not found. Requests enter the scope once their membership is resolved, services
enter the scope of the organisation they act for (`org_scoped`), and jobs and commands
either loop over organisations or say deliberately that they read across them
(`cross_org`). The reasons are in docs/decisions.md ("Tenancy: django-scopes").
"""

import inspect
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.db import models
from django_scopes import ScopedManager, ScopeError, get_scope, scope, scopes_disabled
from django_scopes.state import state

from switchboard.common.errors import NotFound

__all__ = [
    "ScopeError",
    "cross_org",
    "current_organization",
    "in_scope",
    "org_scope",
    "org_scoped",
    "read_in_request",
    "request_reads",
    "scoped_manager",
]

DIMENSION = "organization"


def scoped_manager(path: str = "organization", manager_class=models.Manager):
    """A default manager that refuses queries outside an organisation scope.

    `path` is how the model reaches its organisation (`organization`, or through a
    relation, e.g. `booking__organization`).
    """
    return ScopedManager(_manager_class=manager_class, **{DIMENSION: path})


def org_scope(organization):
    """Enter one organisation's scope (an `Organization` or its id)."""
    return scope(**{DIMENSION: organization})


def cross_org():
    """Read across organisations on purpose: jobs, the relay, the admin, commands."""
    return scopes_disabled()


@contextmanager
def no_scope():
    """Leave any scope, as a fresh request does; queries of scoped models then raise."""
    token = state.set(None)
    try:
        yield
    finally:
        state.reset(token)


def current_organization():
    """The organisation (or id) whose scope is active, if any."""
    return get_scope().get(DIMENSION)


def _organization_of(value):
    organization_id = getattr(value, "organization_id", None)
    if organization_id is not None:
        return organization_id
    if getattr(value, "pk", None) is None:
        # `scope(organization=None)` would mean every organisation: never by accident.
        raise TypeError("An org-scoped service needs an organisation or one of its rows.")
    return value


def org_scoped(service):
    """Run a service in the scope of the organisation it acts for.

    That is the service's first argument (keyword-only, by our convention): the
    organisation itself or the row it acts on (the booking, the staff member…), never
    another argument, which may be a caller's mistake. Everything the service then looks
    up or locks belongs to that organisation.
    """
    first = next(iter(inspect.signature(service).parameters))

    @wraps(service)
    def wrapper(*args, **kwargs):
        with org_scope(_organization_of(kwargs[first])):
            return service(*args, **kwargs)

    return wrapper


# The API request being served, while it is (`request_reads`): rows its view has just read
# through their organisation's scope are marked with it (`read_in_request`).
_request: ContextVar[object | None] = ContextVar("request_reads", default=None)


@contextmanager
def request_reads():
    """Serve one API request: rows marked by `read_in_request` meanwhile count as read."""
    token = _request.set(object())
    try:
        yield
    finally:
        _request.reset(token)


def _marking():
    """What a row read now in this request is marked with, or None outside a request or
    outside a single organisation's scope."""
    request, organization = _request.get(), current_organization()
    if request is None or organization is None or isinstance(organization, (list, tuple)):
        return None
    return request, getattr(organization, "pk", organization)


def read_in_request(row):
    """Mark a row the caller has just read through its organisation's scoped manager, in
    that scope, inside an API request: `in_scope` then takes it as it is instead of reading
    it again. Outside a request nothing is marked: a job's rows may be minutes old."""
    marking = _marking()
    if marking is not None and row is not None:
        row._read_in_request = marking
    return row


def in_scope(obj):
    """`obj` read again through its scoped manager; another tenant's row is a NotFound.

    For the objects a caller hands to a service: the answer is the same as for an id that
    does not exist, so a service cannot be tricked into touching another organisation. A
    row this request's view read in the same scope a moment ago (`read_in_request`) is
    already known to be the organisation's, and is taken as it is.
    """
    if obj is None:
        return None
    marked = getattr(obj, "_read_in_request", None)
    if marked is not None and marked == _marking():
        return obj
    model = type(obj)
    found = _read_again(model, obj.pk)
    if found is None:
        raise NotFound(f"No such {model._meta.verbose_name}.")
    return found


_again: dict = {}


def _read_again(model, pk):
    """The row by its id, as the scoped manager finds it. For a model with its own
    `organization` column, through a prepared read (every service re-reads what it is
    handed, so this runs several times a request)."""
    # Imported here: prepared.py builds on this module.
    from switchboard.common.prepared import Prepared, single_scope

    organization = single_scope()
    own_column = any(f.name == DIMENSION for f in model._meta.concrete_fields)
    if organization is None or not own_column or type(pk) is not int:
        return model._default_manager.filter(pk=pk).first()
    read = _again.get(model)
    if read is None:
        read = _again.setdefault(model, Prepared(_by_id_of(model)))
    rows = read(organization=organization, pk=pk)
    return rows[0] if rows else None


def _by_id_of(model):
    def by_id(*, organization, pk):
        return model._default_manager.filter(pk=pk)

    by_id.__name__ = f"{model.__name__.lower()}_by_id"
    return by_id
