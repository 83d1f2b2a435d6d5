"""How the API knows who is calling: the console session (CSRF-checked, TOTP passed) or a bearer token."""

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from gonghui.accounts.queries import find_user_by_token
from gonghui.orgs.scope import needs_second_factor


class SessionAuth(APIKeyCookie):
    """The console's session, CSRF-checked; a role that needs TOTP must have passed it."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if (
            user.is_authenticated
            and user.is_active
            and not user.second_factor_missing()
            and not user.password_change_pending()
        ):
            return user
        return None


class TokenAuth(HttpBearer):
    """`Authorization: Bearer gh_<prefix>_<secret>` for collector devices and partner systems."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = find_user_by_token(token)
        # Tokens skip TOTP, so they serve only roles that cannot see personal data. A role granted after
        # the token was issued must not turn it into a way around the second factor.
        if user is not None and needs_second_factor(user):
            return None
        if user is not None:
            request.user = user
        return user


# Token first: a request that carries a bearer token is a device or partner, and must not be turned
# away by the session's CSRF check; without a token the console session (CSRF-checked) applies.
API_AUTH = [TokenAuth(), SessionAuth()]
