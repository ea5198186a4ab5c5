"""The admin reads across organisations: it is the deployment operator's tool.

Like pretix's control middleware, the admin's requests run with tenancy scopes disabled;
every other request starts with no scope and enters its organisation's once it knows it.
"""

from django.urls import reverse

from switchboard.common.tenancy import cross_org


class AdminAcrossOrganizationsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(reverse("admin:index")):
            with cross_org():
                return self.get_response(request)
        return self.get_response(request)
