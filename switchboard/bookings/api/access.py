"""Views name the action they serve; the permission table decides who may take it."""

from switchboard.accounts.permissions import OWNER, may
from switchboard.common.errors import Forbidden


class NamedActions:
    """Mixed in before `OrgScopedMixin`: `actions` maps each of the view's actions (a
    viewset's action name, or an APIView's HTTP method) to a row of
    `accounts.permissions.PERMISSIONS`, and a role missing from that row gets 403 before
    the request is read. Writes are checked again by their service, which is the check the
    admin, commands and jobs meet.

    A request the view has no action for (an unsupported method) keeps the mixin's default
    check, so that it is still answered 405 (or 403) as before.
    """

    permission_actions: dict[str, str] = {}

    def check_role(self, roles):
        key = getattr(self, "action", None) or self.request.method
        name = self.permission_actions.get(key)
        if name is None:
            return super().check_role(roles)
        # `require` without its query: the mixin has resolved the membership already, and a
        # superuser acts as an owner (as in `acting_role`).
        role = OWNER if self.request.user.is_superuser else self.membership.role
        if not may(role, name):
            raise Forbidden()
