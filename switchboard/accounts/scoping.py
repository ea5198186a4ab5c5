"""Organisation scoping for API views: resolve the organisation once, check the role.

A caller who is not an active member gets 404, exactly as for an organisation that does
not exist; a member whose role may not take the action gets 403.

A view that names `read_action` (an action of `permissions.PERMISSIONS`) is checked against
the table: seeing what the view serves comes before any request to it, so a role that may
not read gets 403 for every method (before its input is even validated); each write is then
checked by its service against its own action. Views that do not name one yet keep the
older role sets below.
"""

from rest_framework.permissions import SAFE_METHODS

from switchboard.accounts import permissions
from switchboard.accounts.selectors import membership_for
from switchboard.common.errors import Forbidden


class OrgScopedMixin:
    """For DRF views routed under `/api/orgs/<org_slug>/`."""

    read_action: str | None = None
    read_roles = permissions.WORKERS
    write_roles = permissions.MANAGERS
    action_roles: dict = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.membership = membership_for(request.user, kwargs["org_slug"])
        self.organization = self.membership.organization
        if self.read_action is None:
            self.check_role(self.allowed_roles())
        else:
            permissions.require(self.organization, request.user, self.read_action)

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
