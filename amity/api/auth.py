from ninja.security import HttpBearer, django_auth

from amity.accounts.services import api_token_authenticate
from amity.core import history


class TokenAuth(HttpBearer):
    """``Authorization: Bearer amity_…`` with a token from the API tokens page."""

    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
            # The history middleware only saw the session's login (none); name the token's.
            history.attribute_to(user)
        return user


API_AUTH = [TokenAuth(), django_auth]
