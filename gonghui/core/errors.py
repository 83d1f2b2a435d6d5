"""Domain errors: a stable machine `code`, a Chinese `message`, and the HTTP status the API answers with.

Actions raise them; the API turns them into `{"code": ..., "message": ...}` with a 4xx status and the
console shows the message as a form or page error. Define specific errors next to the action raising them.
"""

from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code: ClassVar[str] = "invalid"
    default_message: ClassVar[str | Promise] = _("The request could not be processed.")
    status: ClassVar[int] = 400

    def __init__(self, message: str | Promise | None = None, *, field: str | None = None, **params: Any):
        self.message = str(message if message is not None else self.default_message)
        if params:
            self.message = self.message % params
        self.field = field
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class NotFound(DomainError):
    # Same answer for "not there" and "not yours": existence outside your scope is not disclosed.
    code = "not_found"
    default_message = _("The record does not exist or is outside your area.")
    status = 404


class Forbidden(DomainError):
    code = "forbidden"
    default_message = _("Your role does not allow this.")
    status = 403


class InvalidInput(DomainError):
    code = "invalid_input"
    default_message = _("Some of the data is not valid.")
    status = 400


class Conflict(DomainError):
    code = "conflict"
    default_message = _("The record already exists.")
    status = 409
