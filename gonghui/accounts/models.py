from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from gonghui.core.fields import BlindIndexField, EncryptedTextField
from gonghui.orgs.scope import acting_unit_id_for, needs_second_factor


class User(AbstractUser):
    display_name = models.CharField(_("name"), max_length=100, blank=True)
    phone = EncryptedTextField(_("mobile phone"), null=True, blank=True)
    phone_index = BlindIndexField(source="phone", purpose="phone")
    failed_login_count = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # The password was handed over (printed once by `manage.py bootstrap`): it opens the way to the
    # second factor and to choosing a new password, nothing else, until it is changed.
    password_change_required = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # Logins are matched case-insensitively, so "LuYuan" and "luyuan" must not both exist.
            models.UniqueConstraint(Lower("username"), name="user_username_unique_ignoring_case")
        ]

    def __str__(self) -> str:
        return f"{self.display_name or self.username}（{self.username}）"

    # core knows the acting user only through these methods (core imports no app): the console gate and
    # the API's session auth ask the first two, the audit log the last.
    def second_factor_missing(self) -> bool:
        """True when the user's roles need TOTP and this session has not passed it."""
        # OTPMiddleware adds is_verified() to request.user; a user object fresh from login has none yet.
        is_verified = getattr(self, "is_verified", None)
        required = settings.GONGHUI_2FA_REQUIRED and needs_second_factor(self)
        return required and not (is_verified is not None and is_verified())

    def password_change_pending(self) -> bool:
        """True until a handed-over password is replaced (the console gate sends the user to do it)."""
        return self.password_change_required

    def acting_unit_id_for(self, unit: Any) -> int | None:
        """The unit of the strongest role this user holds over `unit` (the one an action was done under)."""
        return acting_unit_id_for(self, unit)


class LoginThrottle(models.Model):
    """Wrong passwords for one login name from one address. After GONGHUI_LOCKOUT_THRESHOLD of them the
    pair waits before its next try, twice as long after each further failure: guessing from one place
    slows to a crawl, while the account's owner (elsewhere) still signs in, and nobody can lock an
    account by failing on purpose. Names that exist and names that do not are counted alike, so the
    answers do not tell them apart. Only keyed hashes are kept: people type passwords into the name
    box, and an address is personal data."""

    account_key = models.CharField(max_length=64)
    address_key = models.CharField(max_length=64)
    failures = models.PositiveIntegerField(default=0)
    last_failed_at = models.DateTimeField()
    blocked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account_key", "address_key"], name="loginthrottle_one_per_pair")
        ]

    def __str__(self) -> str:
        return f"login throttle #{self.pk}"


class ApiToken(models.Model):
    """Bearer token for devices and partner systems. Only a SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"
