"""Password login with lock-out and per-address throttling; second-factor gate shared by console and API."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.actions import do_record_login, do_record_login_failure
from gonghui.accounts.models import User
from gonghui.core.errors import DomainError

# Failures from one address before it must wait; catches guessing across many usernames.
ADDRESS_FAILURE_LIMIT = 20


class LoginFailed(DomainError):
    code = "login_failed"
    default_message = _("Wrong login name or password.")
    status = 400


class AccountLocked(DomainError):
    code = "account_locked"
    default_message = _(
        "Too many wrong passwords: this account is locked until %(until)s. Ask your officer to unlock it."
    )
    status = 403


class LoginThrottled(DomainError):
    code = "login_throttled"
    default_message = _("Too many failed logins from this address; wait %(minutes)d minutes and try again.")
    status = 429


def _address_key(request: HttpRequest) -> str:
    return f"login-failures:{request.META.get('REMOTE_ADDR', '')}"


def login_with_password(request: HttpRequest, username: str, password: str) -> User:
    """Check the password; count failures per account (lock-out) and per address (throttle)."""
    minutes = settings.GONGHUI_LOCKOUT_MINUTES
    if cache.get(_address_key(request), 0) >= ADDRESS_FAILURE_LIMIT:
        raise LoginThrottled(minutes=minutes)
    now = timezone.now()
    user = User.objects.filter(username__iexact=username.strip()).first()
    if user is not None and user.locked_until and user.locked_until > now:
        raise AccountLocked(until=timezone.localtime(user.locked_until).strftime("%H:%M"))
    authenticated = authenticate(request, username=user.username if user else username, password=password)
    if authenticated is None:
        cache.add(_address_key(request), 0, timeout=minutes * 60)
        cache.incr(_address_key(request))
        if user is not None and user.is_active:
            user = do_record_login_failure(user=user, now=now)
            if user.locked_until:
                raise AccountLocked(until=timezone.localtime(user.locked_until).strftime("%H:%M"))
        raise LoginFailed()
    assert isinstance(authenticated, User)
    return do_record_login(user=authenticated, now=now)
