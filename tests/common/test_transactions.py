"""`first_time_in_transaction`: once per transaction, again after a rollback undid it."""

import pytest
from django.db import transaction

from switchboard.common.transactions import first_time_in_transaction

ran = []


def marker():
    ran.append("committed")


@pytest.mark.django_db(transaction=True)
def test_once_per_transaction_and_again_in_the_next():
    ran.clear()
    with transaction.atomic():
        answers = [first_time_in_transaction(marker) for _ in range(3)]
    assert answers == [True, False, False]
    assert ran == ["committed"]
    with transaction.atomic():
        assert first_time_in_transaction(marker) is True
    assert ran == ["committed", "committed"]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_forgets_it_as_the_database_does():
    ran.clear()
    with transaction.atomic():
        try:
            with transaction.atomic():
                assert first_time_in_transaction(marker) is True
                raise RuntimeError("undo")
        except RuntimeError:
            pass
        assert first_time_in_transaction(marker) is True
        assert first_time_in_transaction(marker) is False
    assert ran == ["committed"]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_nothing_for_the_next():
    ran.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        first_time_in_transaction(marker)
        raise RuntimeError("undo")
    with transaction.atomic():
        assert first_time_in_transaction(marker) is True
    assert ran == ["committed"]
