"""Organisation scoping for API views: resolve the organisation once, check the action.

A caller who is not an active member gets 404, exactly as for an organisation that does
not exist; a member whose role may not take the action gets 403.

A view names the rows of `permissions.PERMISSIONS` it serves and carries no role list:
`permission_actions` maps each of its actions (a viewset's action name, or an APIView's
HTTP method) to a row, and `read_action` is the row for everything else. Seeing what the
view serves comes before any request to it, so a role that may not read gets 403 for every
method, before its input is even validated; each write is checked again by its service,
which is the check the admin, commands and jobs meet. Once the membership is known the rest
of the request runs in the organisation's tenancy scope, so every query of its rows sees
that organisation only, in its time zone: a time given without an offset is read as the
organisation's wall time, and times are answered with its offset (DRF's DateTimeField
follows the active zone both ways).
"""

from contextlib import ExitStack

from django.utils import timezone

from switchboard.accounts import permissions
from switchboard.accounts.selectors import membership_for
from switchboard.common.errors import Forbidden
from switchboard.common.tenancy import org_scope, request_reads


class OrgScopedMixin:
    """For DRF views routed under `/api/orgs/<org_slug>/`."""

    read_action: str | None = None
    permission_actions: dict[str, str] = {}

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
        self._tenancy.enter_context(request_reads())
        self._tenancy.enter_context(
            permissions.role_known(self.organization, request.user, self.membership.role)
        )
        self._tenancy.enter_context(timezone.override(self.organization.tzinfo))
        self.check_action()

    def requested_action(self) -> str | None:
        key = getattr(self, "action", None) or self.request.method
        return self.permission_actions.get(key, self.read_action)

    def check_action(self):
        # `may` without `require`'s query: the membership is resolved already, and a
        # superuser acts as an owner (as in `acting_role`).
        role = permissions.OWNER if self.request.user.is_superuser else self.membership.role
        name = self.requested_action()
        if name is not None:
            allowed = permissions.may(role, name)
        else:
            # A method the view does not offer: DRF answers 405, but only to someone who may
            # use the view at all; to anyone else the view is as closed as its other methods.
            allowed = any(permissions.may(role, row) for row in self._route_rows())
        if not allowed:
            raise Forbidden()

    def _route_rows(self) -> list[str]:
        """The rows of the methods this URL offers (a viewset's route maps its own)."""
        route = getattr(self, "action_map", None)
        names = route.values() if route else self.permission_actions
        rows = [self.permission_actions.get(name, self.read_action) for name in names]
        return [row for row in rows if row is not None] or [r for r in [self.read_action] if r]

    @property
    def role(self):
        return self.membership.role
