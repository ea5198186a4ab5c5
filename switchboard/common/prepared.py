"""Reads whose SQL the ORM builds once and that then run with new values.

Building and compiling a queryset with a few correlated subqueries (the derived workload)
costs ten times what running it does: a booking request spent most of its time there
(docs/performance.md, "Profile of one request"). A `Prepared` read is written as a normal
queryset-building function; it is called once per *shape* with stand-in values, compiled,
and every later call runs the same SQL with its own values and comes back through Django's
own iterables (model instances with their select_related rows and annotations, or values
dicts), converters included.

The shape is the kind of each argument: a scalar, None, or a list of a given length (the
SQL of `pk__in` depends on the length). Arguments must reach the SQL only as parameters
compared or matched as they are: a builder may branch on whether an argument is None, but
not on its value, nor transform it. Arguments are ids, whole numbers, text (a slug, a
hash) compared as it is, and moments (aware datetimes, compared with datetime columns: the
database's own adaptation, a string on SQLite, is applied to each run's value as to the
stand-in's).

Tenancy: every read takes `organization` (an id or an instance) and is built inside that
stand-in's scope, so the scope's own filter is a parameter too. When called, it behaves as
the ORM would: outside any scope it raises ScopeError; in another organisation's scope it
finds nothing; across organisations (`cross_org`) it reads the organisation it was given.
"""

import copy
import re
import threading
from datetime import UTC, datetime, timedelta
from itertools import count

from django.db import connections
from django_scopes import get_scope

from switchboard.common.tenancy import DIMENSION, ScopeError, org_scope

# Stand-ins, counting down: each argument of a build gets its own. Inside the range of a
# positive small integer field (PostgreSQL's smallint): Django knows that a value outside
# a field's range matches nothing and would compile the query to no SQL at all.
_FIRST_STAND_IN = 32_767
# A text argument's stand-in: this prefix and a number, a value no slug or hash takes.
_TEXT_STAND_IN = "\x1fstand-in-"
# A moment's stand-in: this one and a number of seconds, a moment no booking has.
_MOMENT_STAND_IN = datetime(1901, 1, 1, tzinfo=UTC)


class Prepared:
    """`scoped=False` for a model outside tenancy (memberships): no scope is needed."""

    def __init__(self, build, *, scoped: bool = True):
        self.build = build
        self.scoped = scoped
        self._compiled: dict[tuple, tuple] = {}
        self._lock = threading.Lock()

    def __call__(self, **values) -> list:
        """The rows for `values` (a list: the SQL is fixed, so nothing may be chained on).
        An empty list among the values matches nothing, and answers [] at once."""
        if self.scoped:
            organization = _scope_allows(values["organization"])
            if organization is None:
                return []
            values = {**values, "organization": organization}
        values = {k: sorted(v) if isinstance(v, (set, frozenset)) else v for k, v in values.items()}
        if any(isinstance(v, (list, tuple)) and not v for v in values.values()):
            return []
        if not all(_in_range(v) for v in values.values()):
            return []  # as the ORM answers a value no id column can hold: nothing
        key = tuple((name, _kind(value)) for name, value in sorted(values.items()))
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._prepare(key, values)
        template_qs, compiler, sql, slots = compiled
        adapt = connections[template_qs.db].ops.adapt_datetimefield_value
        params = tuple(_fill(slot, values, adapt) for slot in slots)
        return list(_bound(template_qs, compiler, sql, params))

    def _prepare(self, key, values):
        """Compile twice, with two sets of stand-ins: a parameter that differs between the
        two is an argument's, one that does not is the query's own constant (so a constant
        that happens to equal a stand-in is never mistaken for an argument)."""
        numbers = count(_FIRST_STAND_IN, -1)
        first, second = _stand_ins(values, numbers), _stand_ins(values, numbers)
        qs, compiler, sql, params = self._compile(first[0])
        _, _, sql_again, params_again = self._compile(second[0])
        adapt = compiler.connection.ops.adapt_datetimefield_value
        first, second = _as_sent(first, adapt), _as_sent(second, adapt)
        if sql != sql_again or len(params) != len(params_again):
            raise TypeError(f"{self.build.__name__}: its SQL depends on its values")
        slots = []
        for one, other in zip(params, params_again, strict=True):
            if one == other:
                slots.append(("const", one))
            elif first[1].get(_hashable(one)) == second[1].get(_hashable(other)) is not None:
                slots.append(first[1][one])
            else:
                # A value turned into something else on its way (a str of a number): the
                # SQL could not be filled in again. Refuse rather than misread.
                raise TypeError(f"{self.build.__name__}: a value did not reach the SQL as given")
        if set(first[1].values()) - set(slots):
            raise TypeError(f"{self.build.__name__}: a value did not reach the SQL as given")
        if compiler.connection.vendor == "postgresql":
            sql, slots = _constants_inlined(sql, slots)
        compiled = (qs, compiler, sql, slots)
        self._compiled[key] = compiled
        return compiled

    def _compile(self, stand_ins):
        if self.scoped:
            with org_scope(stand_ins["organization"]):
                qs = self.build(**stand_ins)
        else:
            qs = self.build(**stand_ins)
        compiler = qs.query.get_compiler(using=qs.db)
        sql, params = compiler.as_sql()
        _converters_once(compiler)
        return qs, compiler, sql, params


def single_scope():
    """The id of the one organisation whose scope is active, or None (no scope, scopes
    disabled, or a scope of several): where a caller may pass the scope's organisation."""
    scope = get_scope()
    active = scope.get(DIMENSION)
    if not scope.get("_enabled", True) or active is None or isinstance(active, (list, tuple)):
        return None
    return getattr(active, "pk", active)


def _scope_allows(organization):
    """The organisation id to read, None when the active scope hides it (django-scopes'
    rules: no scope is an error, a scope of None or of a list lets through what it names)."""
    organization = getattr(organization, "pk", organization)
    scope = get_scope()
    if not scope.get("_enabled", True):
        return organization
    if DIMENSION not in scope:
        raise ScopeError("A scope on dimension(s) organization needs to be active for this query.")
    active = scope[DIMENSION]
    if active is None:
        return organization
    allowed = active if isinstance(active, (list, tuple)) else [active]
    return organization if organization in [getattr(a, "pk", a) for a in allowed] else None


def _in_range(value) -> bool:
    items = value if isinstance(value, (list, tuple)) else [value]
    return all(not isinstance(v, int) or -(2**63) <= v < 2**63 for v in items)


def _kind(value):
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return ("list", len(value))
    if isinstance(value, datetime):
        return "moment"
    return "text" if isinstance(value, str) else "one"


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return None
    return value


def _stand_ins(values, numbers):
    stand_ins, originals = {}, {}
    for name, value in values.items():
        kind = _kind(value)
        if kind is None:
            stand_ins[name] = None
        elif kind == "one":
            stand_ins[name] = n = next(numbers)
            originals[n] = ("one", name)
        elif kind == "text":
            stand_ins[name] = text = f"{_TEXT_STAND_IN}{next(numbers)}"
            originals[text] = ("one", name)
        elif kind == "moment":
            stand_ins[name] = moment = _MOMENT_STAND_IN + timedelta(seconds=next(numbers))
            originals[moment] = ("moment", name)
        else:
            stand_ins[name] = ids = [next(numbers) for _ in value]
            for i, n in enumerate(ids):
                originals[n] = ("item", name, i)
    return stand_ins, originals


def _as_sent(stand_ins, adapt):
    """The stand-ins keyed as they reach the SQL: a moment as the database adapts it."""
    values, originals = stand_ins
    return values, {
        (adapt(value) if isinstance(value, datetime) else value): slot
        for value, slot in originals.items()
    }


def _fill(slot, values, adapt):
    if slot[0] == "const":
        return slot[1]
    if slot[0] == "one":
        value = values[slot[1]]
        return getattr(value, "pk", value)
    if slot[0] == "moment":
        return adapt(values[slot[1]])
    return values[slot[1]][slot[2]]


_PLACEHOLDER = re.compile(r"%%|%s")


def _constants_inlined(sql, slots):
    """PostgreSQL: the query's own constants (the workflows' status lists, flags) written
    into the SQL, so that only the arguments are parameters. A prepared statement's
    generic plan then knows what its custom plans know, and PostgreSQL keeps it, instead
    of planning the workload reads anew at every run (docs/performance.md, "Round five";
    docs/decisions.md)."""
    slots = iter(slots)
    kept = []

    def fill(match):
        if match.group() == "%%":
            return "%%"
        slot = next(slots)
        literal = _literal(slot[1]) if slot[0] == "const" else None
        if literal is None:
            kept.append(slot)
            return "%s"
        return literal.replace("%", "%%")

    return _PLACEHOLDER.sub(fill, sql), kept


def _literal(value) -> str | None:
    """SQL for a constant of a simple kind, or None to leave it a parameter."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and "\x00" not in value:
        # standard_conforming_strings (on since PostgreSQL 9.1): only quotes need doubling.
        return "'" + value.replace("'", "''") + "'"
    return None


def _converters_once(compiler):
    """Each run would look up every column's converters again (a few hundred calls for a
    booking with its related rows); they depend on the compiled columns only, so the
    template compiler, and every copy of it, keeps the first answer."""
    made = {}
    find = compiler.get_converters

    def get_converters(expressions):
        key = tuple(map(id, expressions))
        found = made.get(key)
        if found is None:
            found = made[key] = find(expressions)
        return found

    compiler.get_converters = get_converters


def _bound(template_qs, template_compiler, sql, params):
    qs = template_qs._chain()
    alias = qs.db

    def get_compiler(using=None, connection=None, elide_empty=True):
        compiler = copy.copy(template_compiler)
        # A compiler holds the connection of the thread that made it: use this one's.
        compiler.connection = connections[alias]
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        return compiler

    qs.query.get_compiler = get_compiler
    return qs
