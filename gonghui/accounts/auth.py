"""Password login: one answer for every refusal that could tell whether a login exists, and throttling
per (login name, address) with a growing delay instead of a lock anyone could set off; a ceiling per
address across names. The second-factor gate is shared by console and API (User.second_factor_missing)."""

import math

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.actions import do_record_login, do_record_login_failure, login_throttle_keys
from gonghui.accounts.models import LoginThrottle, User
from gonghui.core.errors import DomainError
from gonghui.core.http import client_ip

# Failures from one address before it must wait; catches guessing across many usernames.
ADDRESS_FAILURE_LIMIT = 20


class LoginFailed(DomainError):
    code = "login_failed"
    default_message = _("Wrong login name or password.")
    status = 400


class LoginDelayed(DomainError):
    # Said alike for a login that exists and one that does not: both are counted the same way.
    code = "login_delayed"
    default_message = _(
        "Too many wrong passwords for this login name from your network: wait %(minutes)d minute(s) and "
        "try again. Signing in from elsewhere is not affected."
    )
    status = 429


class LoginThrottled(DomainError):
    code = "login_throttled"
    default_message = _("Too many failed logins from this address; wait %(minutes)d minutes and try again.")
    status = 429


def _address_key(address: str) -> str:
    return f"login-failures:{address}"


def _delayed(until: object, now: object) -> LoginDelayed:
    seconds = (until - now).total_seconds()  # type: ignore[operator]
    return LoginDelayed(minutes=max(1, math.ceil(seconds / 60)))


def login_with_password(request: HttpRequest, username: str, password: str) -> User:
    """Check the password; refuse while this (name, address) waits out its delay, count failures."""
    now = timezone.now()
    address = client_ip(request)
    if cache.get(_address_key(address), 0) >= ADDRESS_FAILURE_LIMIT:
        raise LoginThrottled(minutes=settings.GONGHUI_LOCKOUT_MINUTES)
    username = username.strip()
    account_key, address_key = login_throttle_keys(username, address)
    throttle = LoginThrottle.objects.filter(account_key=account_key, address_key=address_key).first()
    if throttle is not None and throttle.blocked_until is not None and throttle.blocked_until > now:
        # Even the right password waits: otherwise the delay would only slow down wrong guesses.
        raise _delayed(throttle.blocked_until, now)
    user = User.objects.filter(username__iexact=username).first()
    authenticated = authenticate(request, username=user.username if user else username, password=password)
    if authenticated is None:
        cache.add(_address_key(address), 0, timeout=settings.GONGHUI_LOCKOUT_MINUTES * 60)
        cache.incr(_address_key(address))
        throttle = do_record_login_failure(
            username=username,
            address=address,
            user=user if user is not None and user.is_active else None,
            now=now,
        )
        if throttle.blocked_until is not None and throttle.blocked_until > now:
            raise _delayed(throttle.blocked_until, now)
        raise LoginFailed()
    assert isinstance(authenticated, User)
    return do_record_login(user=authenticated, address=address, now=now)
