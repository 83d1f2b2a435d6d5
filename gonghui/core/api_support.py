"""Shared pieces of the JSON API: the error schema, enums, ids and paging (authentication is in
accounts/api_auth.py)."""

import enum
from typing import Annotated, Any

from django.db import models
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import AfterValidator, ValidationInfo

from gonghui.core.access import MAX_ID
from gonghui.core.text import TextKind, clean_text


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


def api_enum(name: str, choices: type[models.TextChoices]) -> type[enum.StrEnum]:
    """The same values under a name of its own: OpenAPI names an enum after its class, and the nested
    `Status` of two models would otherwise publish as one schema with the wrong values."""
    return enum.StrEnum(name, {value: value for value in choices.values})  # type: ignore[return-value]


def _text_rule(kind: TextKind) -> AfterValidator:
    # The refusal is a DomainError (not a ValueError), so pydantic lets it through and the API answers
    # it as every other domain error: 400 {"code": "text_...", "message", "field"}.
    def clean(value: str, info: ValidationInfo) -> str:
        return clean_text(value, kind, field=info.field_name)

    return AfterValidator(clean)


# Text fields of API input: the shared rules of core/text.py (what a name, an address, a label or free
# text may hold). Add the length with Field(max_length=...) as for a plain str.
NameText = Annotated[str, _text_rule(TextKind.NAME)]
AddressText = Annotated[str, _text_rule(TextKind.ADDRESS)]
LabelText = Annotated[str, _text_rule(TextKind.LABEL)]
FreeText = Annotated[str, _text_rule(TextKind.FREE_TEXT)]

# An id in a query string or a body: within the 64-bit range the database can hold.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Pagination(LimitOffsetPagination):
    """limit/offset with bounds: no page bigger than 500 rows, no offset past what a database can seek."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=500)
        offset: int = Field(0, ge=0, le=10_000_000)
