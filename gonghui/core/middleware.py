"""Refuse hostile input before any view runs (before login and CSRF too): a 4xx with a code, never a 500.

In this order, each check cheap and none recursive:
- size: a body over DATA_UPLOAD_MAX_MEMORY_SIZE (the roster limit for multipart) is refused unread;
- depth: a JSON body nested deeper than GONGHUI_MAX_JSON_DEPTH is refused from its bracket skeleton,
  before any parser sees it (Python's json recurses once per level and gives up with RecursionError);
- characters: every query value, form field and JSON string or key is checked once for what no input may
  hold (core/text.py: NUL, lone surrogates, control characters) and for its length;
- personal numbers: a resident ID or mobile number in a query string is refused, because web addresses
  end up in access logs and browser history (searches by number go in a POST body).

Multipart file contents are not inspected (an .xlsx legitimately holds NUL bytes); only the form fields
beside them are. Nor is a body declared as an image (image/jpeg, image/png, image/webp): its size is capped
like any body and core/uploads.py checks what it really is. What a given field may hold beyond this (one line, no zero-width characters) is the
field's own rule, also in core/text.py.
"""

import json
import re
from collections.abc import Callable, Iterable
from itertools import accumulate
from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.core.errors import DomainError, InvalidInput
from gonghui.core.text import NulCharacter, refuse_unstorable, to_half_width

__all__ = ["NulCharacter", "check_json_body", "error_response"]


# Bodies that are an image rather than text, accepted at settings.GONGHUI_IMAGE_BODY_PATHS only (the ID-card
# reader takes the photo as the request body, so it is read into memory, never spooled to a temporary file).
IMAGE_BODY_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


class ValueTooLong(InvalidInput):
    code = "value_too_long"
    default_message = gettext_lazy("A value is too long; shorten it and submit again.")


class BodyTooLarge(InvalidInput):
    code = "body_too_large"
    default_message = gettext_lazy("The submitted data is too large; send it in smaller parts.")
    status = 413


class JsonTooDeep(InvalidInput):
    code = "json_too_deep"
    default_message = gettext_lazy("The submitted data is nested too deeply to be read.")


class PersonalNumberInUrl(InvalidInput):
    code = "personal_number_in_url"
    default_message = gettext_lazy(
        "A resident ID or mobile number must not be put in a web address (addresses are kept in logs): "
        "search for it with the search box, which sends it in the request body."
    )


# A JSON string literal, or an unterminated one to the end of the body. The closing quote is optional so
# that a match that has started never fails: a failed match would be retried from the next quote, and a
# body of escaped quotes would take quadratic time (found in review: 40 KB took half a minute).
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1
# 18-character resident ID, 11-digit mainland mobile number; not inside a longer run of digits/letters.
_PERSONAL_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|1[3-9]\d{9})(?![0-9A-Za-z])")
# People type numbers in groups ("138 1234 5678", "110101-1990..."), and in full-width digits.
_DIGIT_GAP = re.compile(r"(?<=\d)[\s\-]+(?=[\dXx])")


def holds_personal_number(value: str) -> bool:
    return bool(_PERSONAL_NUMBER.search(_DIGIT_GAP.sub("", to_half_width(value))))


def json_deeper_than(body: bytes, limit: int) -> bool:
    """Whether brackets outside string literals nest deeper than `limit`: counted on the body's bracket
    skeleton, in linear time, without parsing or recursion, stopping at the first level too deep."""
    skeleton = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return any(depth > limit for depth in accumulate(map(_STEP.__getitem__, skeleton)))


def _json_strings(value: Any) -> Iterable[str]:
    """Every string and key in a parsed JSON value, walked with a list instead of recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, child in item.items():
                yield key
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)


def check_strings(values: Iterable[str], *, limit: int | None = None) -> None:
    limit = limit or settings.GONGHUI_MAX_TEXT_LENGTH
    for value in values:
        refuse_unstorable(value)
        if len(value) > limit:
            raise ValueTooLong()


def check_json_body(body: bytes) -> Any:
    """Depth first, then parse, then every string: the checks this middleware makes of a JSON body, for
    JSON it cannot see (the sealed records of the collector phone are opened by their own action).
    Raises a DomainError, or ValueError for malformed JSON; returns the parsed value."""
    if b"\x00" in body or b"\\u0000" in body:
        raise NulCharacter()
    if json_deeper_than(body, settings.GONGHUI_MAX_JSON_DEPTH):
        raise JsonTooDeep()
    data = json.loads(body or b"null")
    check_strings(_json_strings(data))
    return data


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
        raw_query = request.META.get("QUERY_STRING", "")
        if b"\x00" in unquote_to_bytes(request.path_info) or b"\x00" in unquote_to_bytes(raw_query):
            raise NulCharacter()
        query_values = [v for key in request.GET for v in [key, *request.GET.getlist(key)]]
        check_strings(query_values)
        if any(holds_personal_number(value) for value in query_values):
            raise PersonalNumberInUrl()
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
            check_strings(v for key in request.POST for v in [key, *request.POST.getlist(key)])
            return
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise BodyTooLarge()
        if content_type in IMAGE_BODY_TYPES and request.path in settings.GONGHUI_IMAGE_BODY_PATHS:
            # A photo sent as the body itself (the ID-card reader): bytes, not text, so NUL bytes are
            # expected; its size is capped above and its content checked by core/uploads.py in the action.
            # Only where a view reads it as an image: elsewhere the API would parse it as JSON unchecked.
            return
        body = request.body
        if b"\x00" in body:
            raise NulCharacter()
        # The API parses any body as JSON whatever its declared type, so inspect it the same way; a body
        # declared as JSON is inspected wherever it is sent (nothing may parse it before this check).
        if content_type == "application/json" or request.path.startswith("/api/"):
            try:
                check_json_body(body)
            except ValueError:
                return  # malformed JSON is the API's own 4xx to give
            return
        check_strings(v for key in request.POST for v in [key, *request.POST.getlist(key)])


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every page and API answer that did not choose its own: nearly every
    page shows personal data or a form for it, and a shared computer's browser cache or a proxy must
    not keep one. Static files are answered earlier, by WhiteNoise, with their own long caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


_LOOPBACK = ("127.", "::1", "::ffff:127.")
_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


class LocalOnlyMiddleware:
    """A development process whose GONGHUI_ENV was never set (DEBUG on, development keys) answers only
    this machine: a request from another address, or through a proxy, is refused. Setting GONGHUI_ENV
    (development on purpose, or production) turns this off."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        from django.core.exceptions import MiddlewareNotUsed

        if settings.GONGHUI_ENV_EXPLICIT or not settings.DEBUG:
            raise MiddlewareNotUsed()
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        address = str(request.META.get("REMOTE_ADDR", ""))
        if not address.startswith(_LOOPBACK) or any(h in request.META for h in _PROXY_HEADERS):
            return HttpResponse(
                "This development server (GONGHUI_ENV not set) answers only this machine. To let a phone "
                "on your network in, set GONGHUI_ENV=development on purpose; to serve people, "
                "GONGHUI_ENV=production with real keys (docs/operations.md).\n",
                status=403,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
