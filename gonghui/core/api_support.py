"""Shared pieces of the JSON API: error schema and authentication (used by every app's api.py)."""

import enum
from typing import Annotated, Any

from django.db import models
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.security import APIKeyCookie, HttpBearer

from gonghui.accounts.auth import second_factor_missing
from gonghui.accounts.queries import find_user_by_token
from gonghui.accounts.scope import needs_second_factor
from gonghui.core.access import MAX_ID


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


# Declared on every endpoint so the OpenAPI document lists what can go wrong.
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


class SessionAuth(APIKeyCookie):
    """The console's session, CSRF-checked; a role that needs TOTP must have passed it."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if user.is_authenticated and user.is_active and not second_factor_missing(user):
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


def api_enum(name: str, choices: type[models.TextChoices]) -> type[enum.StrEnum]:
    """The same values under a name of its own: OpenAPI names an enum after its class, and the nested
    `Status` of two models would otherwise publish as one schema with the wrong values."""
    return enum.StrEnum(name, {value: value for value in choices.values})  # type: ignore[return-value]


# An id in a query string or a body: within the 64-bit range the database can hold.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Pagination(LimitOffsetPagination):
    """limit/offset with bounds: no page bigger than 500 rows, no offset past what a database can seek."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=500)
        offset: int = Field(0, ge=0, le=10_000_000)
