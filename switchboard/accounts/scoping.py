"""Organisation scoping for API views: resolve the organisation once, check the action.

A caller who is not an active member gets 404, exactly as for an organisation that does
not exist; a member whose role may not take the action gets 403.

A view names the rows of `permissions.PERMISSIONS` it serves and carries no role list:
`permission_actions` maps each of its actions (a viewset's action name, or an APIView's
HTTP method) to a row, and `read_action` is the row for everything else. Seeing what the
view serves comes before any request to it, so a role that may not read gets 403 for every
method, before its input is even validated; each write is checked again by its service,
which is the check the admin, commands and jobs meet.
"""

from switchboard.accounts import permissions
from switchboard.accounts.selectors import membership_for
from switchboard.common.errors import Forbidden


class OrgScopedMixin:
    """For DRF views routed under `/api/orgs/<org_slug>/`."""

    read_action: str | None = None
    permission_actions: dict[str, str] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.membership = membership_for(request.user, kwargs["org_slug"])
        self.organization = self.membership.organization
        self.check_action()

    def requested_action(self) -> str | None:
        key = getattr(self, "action", None) or self.request.method
        return self.permission_actions.get(key, self.read_action)

    def check_action(self):
        name = self.requested_action()
        if name is None:
            # Only a method the view does not offer has no row: DRF answers it with 405.
            return
        # `require` without its query: the membership is resolved already, and a
        # superuser acts as an owner (as in `acting_role`).
        role = permissions.OWNER if self.request.user.is_superuser else self.membership.role
        if not permissions.may(role, name):
            raise Forbidden()

    @property
    def role(self):
        return self.membership.role
