from django.db import IntegrityError, OperationalError

from switchboard.common.api import exception_handler
from switchboard.common.errors import Conflict, InvalidInput


def test_domain_errors_keep_their_status_and_extras():
    response = exception_handler(Conflict("No.", status="completed", allowed=[]), {})
    assert response.status_code == 409
    assert response.data == {"detail": "No.", "status": "completed", "allowed": []}
    response = exception_handler(InvalidInput({"capacity": "Too big."}), {})
    assert (response.status_code, response.data) == (400, {"capacity": ["Too big."]})


def test_a_busy_sqlite_database_is_a_409_not_a_500():
    response = exception_handler(OperationalError("database is locked"), {})
    assert response.status_code == 409 and "busy" in response.data["detail"]


def test_a_constraint_violation_is_a_409():
    assert exception_handler(IntegrityError("unique"), {}).status_code == 409


def test_other_database_errors_are_not_hidden():
    assert exception_handler(OperationalError("disk I/O error"), {}) is None
