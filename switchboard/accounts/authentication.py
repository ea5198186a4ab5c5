from rest_framework import authentication, exceptions

from switchboard.accounts.services import api_token_authenticate
from switchboard.common.errors import NotFound


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`, checked against the stored hash of the key."""

    def authenticate_credentials(self, key):
        try:
            token = api_token_authenticate(key)
        except NotFound as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        return token.user, token
