"""Django's error handlers, answering in the same shape as DomainErrors (JSON under /api/)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from gonghui.core.errors import DomainError, Forbidden, NotFound
from gonghui.core.middleware import error_response


class BadRequest(DomainError):
    code = "bad_request"
    default_message = _("The request could not be understood (it may be too large or malformed).")


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    default_message = _("The form has expired or was sent from another site; reload the page and try again.")


class ServerError(DomainError):
    code = "server_error"
    default_message = _("Something went wrong on our side; it has been logged. Please try again.")
    status = 500


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_response(request, BadRequest())


def forbidden(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_response(request, Forbidden())


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_response(request, NotFound())


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_response(request, CsrfFailed())


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(request, ServerError())
