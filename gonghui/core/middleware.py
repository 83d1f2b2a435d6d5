"""Refuse hostile input before any view runs: NUL characters and over-long values get a 4xx, not a 500.

PostgreSQL cannot store a NUL character in text and raises deep inside a save; checking here, once,
means no view, form or schema has to remember it. Multipart file contents are not inspected (an .xlsx
legitimately holds NUL bytes); only the form fields beside them are.
"""

import json
from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.core.errors import DomainError, InvalidInput


class NulCharacter(InvalidInput):
    code = "nul_character"
    default_message = gettext_lazy(
        "The input contains an invisible NUL character; remove it and submit again."
    )


class ValueTooLong(InvalidInput):
    code = "value_too_long"
    default_message = gettext_lazy("A value is too long; shorten it and submit again.")


class BodyTooLarge(InvalidInput):
    code = "body_too_large"
    default_message = gettext_lazy("The submitted data is too large; send it in smaller parts.")
    status = 413


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def error_response(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The one place that renders a DomainError outside a form: JSON under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error.as_dict(), status=error.status)
    return render(
        request, "core/error.html", {"error": error, "title": _("Request refused")}, status=error.status
    )


class RejectBadInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            self.check(request)
        except DomainError as error:
            return error_response(request, error)
        return self.get_response(request)

    def check(self, request: HttpRequest) -> None:
        limit = settings.GONGHUI_MAX_TEXT_LENGTH
        raw_query = request.META.get("QUERY_STRING", "")
        if b"\x00" in unquote_to_bytes(request.path_info) or b"\x00" in unquote_to_bytes(raw_query):
            raise NulCharacter()
        for value in request.GET.values():
            if len(value) > limit:
                raise ValueTooLong()
        if request.method not in {"POST", "PUT", "PATCH"}:
            return
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise InvalidInput() from None
        content_type = request.content_type or ""
        if content_type.startswith("multipart/"):
            # File parts are streamed to disk by Django and not counted by DATA_UPLOAD_MAX_MEMORY_SIZE;
            # the largest legitimate upload is a roster, so that limit (plus the form's room) caps it.
            if length > settings.GONGHUI_ROSTER_MAX_UPLOAD_BYTES + (1 << 20):
                raise BodyTooLarge()
            values: Iterable[str] = (v for key in request.POST for v in [key, *request.POST.getlist(key)])
        else:
            if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                raise BodyTooLarge()
            body = request.body
            if b"\x00" in body:
                raise NulCharacter()
            # The API parses any body as JSON whatever its declared type, so inspect it the same way.
            if content_type == "application/json" or request.path.startswith("/api/"):
                try:
                    values = _strings(json.loads(body or b"null"))
                except ValueError:
                    return  # malformed JSON is the API's own 4xx to give
            else:
                values = (v for key in request.POST for v in [key, *request.POST.getlist(key)])
        for value in values:
            if "\x00" in value:
                raise NulCharacter()
            if len(value) > limit:
                raise ValueTooLong()
