"""The phone's pages (the offline app, its service worker and manifest, pairing) and the officer's device
pages in the console."""

import hashlib
import json
from typing import Any

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from gonghui.collect import actions, queries
from gonghui.collect.access import access_device
from gonghui.collect.actions import PairingCode
from gonghui.collect.forms import DeviceForm
from gonghui.collect.models import CollectorDevice
from gonghui.core.console import apply_error, staff_required
from gonghui.core.errors import DomainError
from gonghui.members.models import Education, EmploymentStatus, HukouType, PoliticalStatus

# What the service worker caches so that /collect/ opens with no network at all.
SHELL_STATIC = ("collect/collect.css", "collect/collect.js", "collect/icon.svg")
THEME_COLOR = "#b3261e"


def _api_urls() -> dict[str, str]:
    return {
        "api_pair": reverse("api:pair_device"),
        "api_device": reverse("api:device_config"),
        "api_batch": reverse("api:upload_batch"),
        "api_idcard": _id_card_reader_url(),
    }


def _id_card_reader_url() -> str:
    # The reader (gonghui/idcards) sits above collect and names this page's button; collect only looks up
    # its address, so without that app the phone works as before, with no button.
    try:
        return reverse("api:read_id_card")
    except NoReverseMatch:
        return ""


def _phone_strings() -> dict[str, str]:
    """Everything collect.js says to the collector, translated here so the script needs no catalogue."""
    return {
        "online": _("Online"),
        "offline": _("Offline — records are kept on this phone"),
        "pending": _("Waiting to send"),
        "sent": _("Sent"),
        "rejected": _("Not accepted"),
        "saved": _("Saved on this phone. It is sent as soon as there is a network."),
        "sending": _("Sending…"),
        "retryLater": _("Not sent yet; will try again."),
        "networkError": _("No connection to the server; will try again."),
        "nameRequired": _("Enter the name as on the ID card."),
        "idLength": _("A resident ID number has 18 characters."),
        "idFormat": _("A resident ID number is 17 digits followed by a digit or X."),
        "idChecksum": _(
            "The last character of the resident ID number does not match the others; a digit was "
            "probably mistyped."
        ),
        "idDate": _("Characters 7 to 14 of the resident ID number are not a real birth date."),
        "phoneInvalid": _("Enter an 11-digit mobile number, or leave it empty."),
        "unionRequired": _("Choose the union the worker joins."),
        "noMeeting": _("Not at a meeting"),
        "surveyLabel": _("Questionnaire · %(title)s"),
        "surveyFor": _("At %(meeting)s · version %(version)s"),
        "surveySaved": _("Questionnaire saved on this phone. It is sent as soon as there is a network."),
        "answerRequired": _("Please answer this question."),
        "answerInvalid": _("This answer is not one of the choices or not in the allowed range."),
        "answerTooLong": _("An answer is at most 2000 characters."),
        "enterNumber": _("Enter a number."),
        "surveyTooLong": _("The answers are too long to send from this phone; shorten the text answers."),
        "questionProblem": _("Question %(n)s: %(problem)s"),
        "consentRequired": _("The worker must agree to the privacy notice first."),
        "revokedBanner": _("This phone has been revoked. It cannot send records; ask an officer."),
        "deviceProblem": _("The server does not recognise this phone: "),
        "storagePersisted": _("Records on this phone are kept even when storage runs low."),
        "storageNotPersisted": _(
            "The browser may clear stored records when storage runs low: send them as soon as you can."
        ),
        "unsentWarning": _("%(n)s records have not been sent yet. Do not clear the browser data."),
        "leaveWarning": _("Records have not been sent yet."),
        "confirmClear": _(
            "Remove the sent and not accepted records from this list? They cannot be shown again."
        ),
        "pairing": _("Creating this phone's key…"),
        "paired": _("Registered. Opening the collection form…"),
        "pairReplace": _(
            "This phone is already registered as %(name)s. Registering again replaces its key; records "
            "not yet sent are kept."
        ),
        "idPhotoReading": _("Reading the card…"),
        "idPhotoOffline": _("Reading a card needs a network; type the fields by hand."),
        "idPhotoFailed": _("The card could not be read; take the photo again or type the fields."),
        "idPhotoDone": _("Read from the card. Compare with the card before saving."),
        "idPhotoCheck": _("Read from the card: %(n)s marked fields need checking against the card."),
        "noCrypto": _(
            "This browser cannot keep records safely (it lacks WebCrypto or IndexedDB, or the page is not "
            "on HTTPS). Use an up-to-date browser."
        ),
    }


def _choices() -> dict[str, list[tuple[str, str]]]:
    return {
        "education": [(str(v), str(label)) for v, label in Education.choices],
        "political_status": [(str(v), str(label)) for v, label in PoliticalStatus.choices],
        "hukou_type": [(str(v), str(label)) for v, label in HukouType.choices],
        "employment_status": [(str(v), str(label)) for v, label in EmploymentStatus.choices],
    }


@require_GET
def app(request: HttpRequest) -> HttpResponse:
    """The collection app itself. No sign-in: the phone's device key, kept in IndexedDB, is what
    authenticates its uploads, and the page holds nothing until the phone is paired."""
    context = {
        "strings": _phone_strings(),
        "choices": _choices(),
        "policy_version": settings.GONGHUI_PRIVACY_POLICY_VERSION,
        "theme_color": THEME_COLOR,
        **_api_urls(),
    }
    return render(request, "collect/app.html", context)


def _shell_version(urls: list[str]) -> str:
    """Changes whenever a cached file changes, so phones install the new worker and drop the old cache."""
    digest = hashlib.sha256("\n".join(urls).encode())
    for name in SHELL_STATIC:
        path = finders.find(name)
        if isinstance(path, str):
            with open(path, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:16]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    app_url = reverse("collect:app")
    urls = [app_url, reverse("collect:manifest"), *(static(name) for name in SHELL_STATIC)]
    response = render(
        request,
        "collect/sw.js",
        {
            "version": _shell_version(urls),
            "shell_json": json.dumps(urls),
            "app_url_json": json.dumps(app_url),
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = app_url
    # The browser checks for a new worker on every visit; it must never be served stale.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    app_url = reverse("collect:app")
    body = {
        "name": _("Union field collection"),
        "short_name": _("Field collection"),
        "start_url": app_url,
        "scope": app_url,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [{"src": static("collect/icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return JsonResponse(
        body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


@never_cache
@require_GET
def pair(request: HttpRequest, token: str) -> HttpResponse:
    """The page the officer's QR code opens on the phone. Opening it changes nothing (link previewers and
    scanners fetch URLs too); the phone's script generates its key and pairs with one explicit tap."""
    device = queries.find_pairing_device(token=token, now=timezone.now())
    context = {
        "device": device,
        "token": token,
        "strings": _phone_strings(),
        "app_url": reverse("collect:app"),
        "theme_color": THEME_COLOR,
        **_api_urls(),
    }
    return render(request, "collect/pair.html", context, status=200 if device else 404)


@staff_required
def device_list(request: HttpRequest) -> HttpResponse:
    devices = queries.list_devices(acting_user=request.user)[:200]
    can_register = queries.device_units(acting_user=request.user).exists()
    return render(request, "collect/device_list.html", {"devices": devices, "can_register": can_register})


def _pairing_page(request: HttpRequest, code: PairingCode) -> HttpResponse:
    url = request.build_absolute_uri(reverse("collect:pair", args=[code.token]))
    context: dict[str, Any] = {
        "device": code.device,
        "pairing_url": url,
        "qr_svg": segno.make(url, error="m").svg_inline(scale=4),
        "expires_at": code.device.pairing_expires_at,
    }
    return render(request, "collect/device_pairing.html", context)


@staff_required
def device_create(request: HttpRequest) -> HttpResponse:
    form = DeviceForm(
        request.POST or None,
        collectors=queries.device_collectors(acting_user=request.user),
        units=queries.device_units(acting_user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            code = actions.do_register_device(
                acting_user=request.user,
                collector=form.cleaned_data["collector"],
                unit=form.cleaned_data["unit"],
                name=form.cleaned_data["name"],
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            # The token exists only in this response: the database keeps its hash.
            return _pairing_page(request, code)
    return render(request, "collect/device_form.html", {"form": form})


@staff_required
def device_detail(request: HttpRequest, device_id: int) -> HttpResponse:
    device = access_device(request.user, device_id)
    context = {
        "device": device,
        "activity": queries.get_device_activity(device=device),
        "is_pending": device.status == CollectorDevice.Status.PENDING_PAIRING,
        "is_revoked": device.status == CollectorDevice.Status.REVOKED,
    }
    return render(request, "collect/device_detail.html", context)


@staff_required
@require_POST
def device_revoke(request: HttpRequest, device_id: int) -> HttpResponse:
    device = access_device(request.user, device_id)
    actions.do_revoke_device(acting_user=request.user, device=device)
    return redirect("collect:device_detail", device_id=device.pk)


@staff_required
@require_POST
def device_pairing_code(request: HttpRequest, device_id: int) -> HttpResponse:
    device = access_device(request.user, device_id)
    return _pairing_page(request, actions.do_issue_pairing_code(acting_user=request.user, device=device))
