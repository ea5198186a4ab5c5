from rest_framework import authentication, exceptions

from switchboard.accounts.services import api_token_authenticate
from switchboard.common.errors import NotFound


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`, checked against the stored hash of the key."""

    org_slug = None

    def authenticate(self, request):
        # A request to an organisation's API: its membership is read with the token.
        match = getattr(request._request, "resolver_match", None)
        self.org_slug = match.kwargs.get("org_slug") if match else None
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        try:
            token = api_token_authenticate(key, org_slug=self.org_slug)
        except NotFound as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        return token.user, token
