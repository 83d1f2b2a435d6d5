"""Who is asking: the client's address, for the limits that count per address (login, SMS codes)."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind GONGHUI_TRUSTED_PROXIES reverse proxies (nginx: 1) REMOTE_ADDR is
    the nearest proxy, so the address is taken from X-Forwarded-For, counting that many entries from the
    right: entries further left were written by the client and can be anything."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.GONGHUI_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies][:45]
