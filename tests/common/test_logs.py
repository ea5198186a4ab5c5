"""An expected refusal is one structured log line, never a traceback (issue 13)."""

import logging

import pytest
from django.test import Client


def _request_records(caplog):
    return [r for r in caplog.records if r.name == "django.request"]


@pytest.fixture
def caplog_warnings(caplog):
    caplog.set_level(logging.WARNING)
    return caplog


def test_a_403_page_logs_one_line_without_a_traceback(org, staff_user, caplog_warnings):
    client = Client()
    client.force_login(staff_user)
    assert client.get(f"/o/{org.slug}/employees/").status_code == 403
    (record,) = _request_records(caplog_warnings)
    assert record.exc_info is None
    assert (
        record.getMessage()
        == f"request_refused status=403 method=GET path=/o/{org.slug}/employees/"
    )
    assert "Traceback" not in caplog_warnings.text


def test_a_403_api_call_logs_one_line_without_a_traceback(api, org, customer, caplog_warnings):
    answer = api.as_user(customer).get(f"/api/orgs/{org.slug}/employees/")
    assert answer.status_code == 403
    (record,) = _request_records(caplog_warnings)
    assert record.exc_info is None and "status=403" in record.getMessage()
    assert "Traceback" not in caplog_warnings.text


def test_a_404_and_a_409_are_one_line_too(api, org, owner, operator, caplog_warnings):
    client = Client()
    client.force_login(owner)
    assert client.get("/o/no-such-org/").status_code == 404
    # The last owner cannot leave: a 409 from the service.
    me = api.as_user(owner).get(f"/api/orgs/{org.slug}/members/", {"role": "owner"}).json()
    last = api.as_user(owner).delete(f"/api/orgs/{org.slug}/members/{me['results'][0]['id']}/")
    assert last.status_code == 409
    records = _request_records(caplog_warnings)
    assert [r.status_code for r in records] == [404, 409]
    assert all(r.exc_info is None for r in records)
    assert "Traceback" not in caplog_warnings.text


def test_djangos_records_are_written_once():
    # Django's own DEBUG console handler would repeat every record the root writes.
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django").propagate is True
