"""Organisation scoping for API views: resolve the organisation once, check the role.

A caller who is not an active member gets 404, exactly as for an organisation that does
not exist; a member whose role may not take the action gets 403. Once the membership is
known the rest of the request runs in the organisation's tenancy scope, so every query of
its rows sees that organisation only.
"""

from contextlib import ExitStack

from rest_framework.permissions import SAFE_METHODS

from switchboard.accounts.models import INTERNAL_ROLES, MANAGER_ROLES
from switchboard.accounts.selectors import membership_for
from switchboard.common.errors import Forbidden
from switchboard.common.tenancy import org_scope


class OrgScopedMixin:
    """For DRF views routed under `/api/orgs/<org_slug>/`."""

    read_roles = INTERNAL_ROLES
    write_roles = MANAGER_ROLES
    action_roles: dict = {}

    def dispatch(self, request, *args, **kwargs):
        # The scope is entered in `initial`, after authentication; leaving this block leaves
        # it on every path, the error responses built by `handle_exception` included.
        with ExitStack() as self._tenancy:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.membership = membership_for(request.user, kwargs["org_slug"])
        self.organization = self.membership.organization
        self._tenancy.enter_context(org_scope(self.organization))
        self.check_role(self.allowed_roles())

    def allowed_roles(self):
        action = getattr(self, "action", None)
        if action in self.action_roles:
            return self.action_roles[action]
        return self.read_roles if self.request.method in SAFE_METHODS else self.write_roles

    def check_role(self, roles):
        if self.request.user.is_superuser:
            return
        if self.membership.role not in roles:
            raise Forbidden()

    @property
    def role(self):
        return self.membership.role
