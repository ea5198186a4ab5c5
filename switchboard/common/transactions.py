"""Statements a transaction needs once however many times its code asks for them."""

from django.db import transaction


def first_time_in_transaction(marker) -> bool:
    """True the first time `marker` (a function of no arguments, run on commit) is asked
    for in the current transaction, and registers it; False after that.

    Django forgets the on-commit functions of a transaction, or of a savepoint, that rolls
    back, as the database forgets what ran in it: so the answer is True again exactly when
    a statement issued under it (a `NOTIFY`, a `SET LOCAL`) has been undone. Call it inside
    an atomic block.
    """
    connection = transaction.get_connection()
    if any(entry[1] is marker for entry in connection.run_on_commit):
        return False
    transaction.on_commit(marker)
    return True
