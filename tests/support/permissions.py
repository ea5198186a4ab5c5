"""Reads in the permission walk (`tests/accounts/test_permissions.py`)."""

from django.urls import reverse
from rest_framework.test import APIClient

from switchboard.accounts import permissions
from switchboard.common.errors import Forbidden


def api_read(url_name, action, *, target=None):
    """A read is served by a view: performed through the API (jobs have no HTTP, so for
    them the table is asked directly). `target(org, user)` names the detail read."""

    def perform(org, user):
        if user is None:
            permissions.require(org, None, action)
            return
        kwargs = {"org_slug": org.slug}
        if target is not None:
            kwargs["pk"] = target(org, user).pk
        client = APIClient()
        client.force_authenticate(user)
        response = client.get(reverse(url_name, kwargs=kwargs))
        if response.status_code == 403:
            raise Forbidden()
        assert response.status_code == 200, response.data

    return perform
