"""/api/v1/: one NinjaAPI, a router per app, one error shape: {"code": ..., "message": ...}."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from gonghui.accounts.api import router as accounts_router
from gonghui.accounts.api_auth import API_AUTH
from gonghui.accounts.audit_api import router as audit_router
from gonghui.benefits.api import router as benefits_router
from gonghui.cards.api import partner_router
from gonghui.cards.api import router as cards_router
from gonghui.collect.api import router as collect_router
from gonghui.core.console import staff_required
from gonghui.core.errors import DomainError
from gonghui.core.errorviews import BadRequest, CsrfFailed
from gonghui.enterprises.api import router as enterprises_router
from gonghui.establishment.api import router as establishment_router
from gonghui.homes.api import router as homes_router
from gonghui.idcards.api import router as idcards_router
from gonghui.meetings.api import router as meetings_router
from gonghui.members.api import router as members_router
from gonghui.members.join_api import router as join_router
from gonghui.needs.api import router as needs_router
from gonghui.orgs.api import router as orgs_router


def docs_gate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The docs page and the OpenAPI document: open while GONGHUI_API_DOCS_PUBLIC (development), else
    for signed-in staff who passed the second factor (production)."""
    gated = staff_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.GONGHUI_API_DOCS_PUBLIC:
            return view(request, *args, **kwargs)
        return gated(request, *args, **kwargs)

    return wrapper


api = NinjaAPI(
    title="gonghui API",
    version="1",
    description="工会 gonghui — 双沟通 union organising. Errors are always {code, message[, field]}.",
    auth=API_AUTH,
    urls_namespace="api",
    docs_decorator=docs_gate,
)
api.add_router("/orgs", orgs_router)
api.add_router("/enterprises", enterprises_router)
api.add_router("/accounts", accounts_router)
api.add_router("/audit", audit_router)
api.add_router("/members", members_router)
api.add_router("/collect", collect_router)
api.add_router("/join", join_router)
api.add_router("/meetings", meetings_router)
api.add_router("/cards", cards_router)
api.add_router("/partner", partner_router)
api.add_router("/idcard", idcards_router)
api.add_router("/establishment", establishment_router)
api.add_router("/homes", homes_router)
api.add_router("/needs", needs_router)
api.add_router("/benefits", benefits_router)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


# Pydantic's error types, said in words a person can act on (its own messages are English-only).
PROBLEMS = {
    "missing": gettext_lazy("is required"),
    "string_too_long": gettext_lazy("is too long"),
    "string_too_short": gettext_lazy("is too short or empty"),
    "string_pattern_mismatch": gettext_lazy("contains characters that are not allowed"),
    "enum": gettext_lazy("is not one of the allowed values"),
    "literal_error": gettext_lazy("is not one of the allowed values"),
    "int_parsing": gettext_lazy("must be a whole number"),
    "int_type": gettext_lazy("must be a whole number"),
    "bool_parsing": gettext_lazy("must be true or false"),
    "greater_than_equal": gettext_lazy("is too small"),
    "less_than_equal": gettext_lazy("is too large"),
    "too_long": gettext_lazy("has too many items"),
    "too_short": gettext_lazy("has too few items"),
    "uuid_parsing": gettext_lazy("is not a valid UUID"),
    "json_invalid": gettext_lazy("is not valid JSON"),
}


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    loc = [str(part) for part in first.get("loc", []) if part not in ("body", "query", "path", "payload")]
    field = ".".join(loc)
    problem = PROBLEMS.get(first.get("type", ""), gettext_lazy("is not valid"))
    return api.create_response(
        request,
        {
            "code": "invalid_input",
            "message": _("Some of the data is not valid: %(field)s %(problem)s.")
            % {"field": field or _("the request body"), "problem": problem},
            "field": field or None,
        },
        status=422,
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {
            "code": "not_authenticated",
            "message": _("Sign in (and pass the second factor) or send a valid token."),
        },
        status=401,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja raises these with English text: a failed CSRF check, an unparsable body.
    if exc.status_code == 403 and "CSRF" in str(exc):
        body = {"code": "csrf_failed", "message": str(CsrfFailed.default_message)}
    elif exc.status_code == 400:
        body = {"code": "bad_request", "message": str(BadRequest.default_message)}
    else:
        body = {"code": "http_error", "message": _("The request could not be processed.")}
    return api.create_response(request, body, status=exc.status_code)
