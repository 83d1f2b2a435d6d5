"""Writes to staff accounts, roles, second factors and API tokens. One durable transaction and one audit
event each; passwords, TOTP secrets and token secrets never reach the audit log."""

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.accounts.models import ApiToken, LoginThrottle, User
from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from gonghui.core.fields import EncryptedTextField
from gonghui.core.phones import normalise_phone
from gonghui.core.pii import blind_index, secret_digest
from gonghui.orgs.models import PARTNER_ROLES, ROLE_RANK, ROLE_UNIT_KINDS, OrgUnit, Role, RoleAssignment
from gonghui.orgs.scope import RANK_MANAGE_STAFF, can_reveal_pii, forget_roles, needs_second_factor, rank_at


class RoleAboveOwn(Forbidden):
    code = "role_above_own"
    default_message = _("You cannot grant a role above your own.")


class RoleNotForUnit(InvalidInput):
    code = "role_not_for_unit"
    default_message = _("The role %(role)s cannot be held at a %(kind)s.")


class UsernameTaken(Conflict):
    code = "username_taken"
    default_message = _("The login name %(username)s is already taken.")


class RoleAlreadyHeld(Conflict):
    code = "role_already_held"
    default_message = _("This person already holds that role at that union.")


class WeakPassword(InvalidInput):
    code = "password_weak"
    default_message = _("The password is too weak: %(reasons)s")


class WrongCurrentPassword(InvalidInput):
    code = "password_wrong"
    default_message = _("The current password is wrong.")


class PasswordUnchanged(InvalidInput):
    code = "password_unchanged"
    default_message = _("Choose a password different from the one you were given.")


class InvalidOtpToken(InvalidInput):
    code = "otp_invalid"
    default_message = _("The verification code is wrong or has expired; enter the current 6-digit code.")


class TokenNotForPiiRole(Forbidden):
    code = "api_token_pii_role"
    default_message = _(
        "API tokens are for devices and partner systems, not for roles that see personal data."
    )


def check_can_grant(acting_user: Any, unit: OrgUnit, role: str) -> None:
    """Grant only inside your own subtree, never above your own role, and only where the role fits."""
    if role not in Role.values:
        raise InvalidInput(_("Unknown role."), field="role")
    own = rank_at(acting_user, unit)
    if own < RANK_MANAGE_STAFF and not getattr(acting_user, "is_superuser", False):
        raise Forbidden()
    if ROLE_RANK[role] > own and not getattr(acting_user, "is_superuser", False):
        raise RoleAboveOwn(field="role")
    if role in PARTNER_ROLES and own < ROLE_RANK[Role.STREET_OFFICER]:
        raise RoleAboveOwn(field="role")
    if unit.kind not in ROLE_UNIT_KINDS[role]:
        raise RoleNotForUnit(field="unit", role=Role(role).label, kind=OrgUnit.Kind(unit.kind).label)
    if unit.status != OrgUnit.Status.ACTIVE:
        raise InvalidInput(_("Roles cannot be granted at a closed union."), field="unit")


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise WeakPassword(field="password", reasons=" ".join(exc.messages)) from None


@transaction.atomic(durable=True)
def do_create_staff(
    *,
    acting_user: Any,
    username: str,
    display_name: str,
    password: str,
    unit: OrgUnit,
    role: str,
    phone: str = "",
    now: datetime.datetime | None = None,
) -> User:
    """Create a staff login together with its first role (a login without a role would reach nothing)."""
    now = now or timezone.now()
    check_can_grant(acting_user, unit, role)
    username = username.strip()
    if not username:
        raise InvalidInput(_("The login name is required."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise UsernameTaken(field="username", username=username)
    user = User(username=username, display_name=display_name.strip(), date_joined=now)
    _check_password(password, user)
    user.set_password(password)
    user.phone = normalise_phone(phone, field="phone") if phone else None
    try:
        with transaction.atomic():  # a concurrent request may take the same name first
            user.save()
    except IntegrityError:
        raise UsernameTaken(field="username", username=username) from None
    RoleAssignment.objects.create(
        user=user, unit=unit, role=role, granted_by=_actor(acting_user), granted_at=now
    )
    record_event(
        acting_user=_actor(acting_user),
        event_type="staff_created",
        obj=user,
        unit=unit,
        changed_fields=["username", "display_name", "password", "role"] + (["phone"] if phone else []),
        details={"role": role, "unit_id": unit.pk},
        now=now,
    )
    return user


class CityAdministratorExists(Conflict):
    code = "city_admin_exists"
    default_message = _("The federation already has a city administrator; they create the other logins.")


@transaction.atomic(durable=True)
def do_create_first_city_admin(
    *, username: str, display_name: str, city: OrgUnit, now: datetime.datetime | None = None
) -> tuple[User, str]:
    """The first login of a new federation, made by `manage.py bootstrap` (no acting user: the person
    at the server's console). Its password is random, returned once for printing, and opens only the
    second-factor enrolment and the page to choose a new password (password_change_required)."""
    now = now or timezone.now()
    if city.kind != OrgUnit.Kind.CITY:
        raise RoleNotForUnit(field="unit", role=Role.CITY_ADMIN.label, kind=OrgUnit.Kind(city.kind).label)
    if RoleAssignment.objects.filter(role=Role.CITY_ADMIN, revoked_at__isnull=True).exists():
        raise CityAdministratorExists()
    username = username.strip()
    if not username or User.objects.filter(username__iexact=username).exists():
        raise UsernameTaken(field="username", username=username)
    password = secrets.token_urlsafe(15)
    user = User(username=username, display_name=display_name.strip(), date_joined=now)
    user.set_password(password)
    user.password_change_required = True
    user.save()
    RoleAssignment.objects.create(user=user, unit=city, role=Role.CITY_ADMIN, granted_by=None, granted_at=now)
    record_event(
        acting_user=None,
        event_type="first_admin_created",
        obj=user,
        unit=city,
        acting_unit=city,
        changed_fields=["username", "display_name", "password", "role"],
        details={"role": Role.CITY_ADMIN.value, "unit_id": city.pk},
        now=now,
    )
    return user, password


@transaction.atomic(durable=True)
def do_grant_role(
    *, acting_user: Any, user: User, unit: OrgUnit, role: str, now: datetime.datetime | None = None
) -> RoleAssignment:
    now = now or timezone.now()
    check_can_grant(acting_user, unit, role)
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=user, unit=unit, role=role, granted_by=_actor(acting_user), granted_at=now
            )
    except IntegrityError:
        raise RoleAlreadyHeld() from None
    forget_roles(user)
    record_event(
        acting_user=_actor(acting_user),
        event_type="role_granted",
        obj=user,
        unit=unit,
        changed_fields=["role_assignments"],
        details={"role": role, "unit_id": unit.pk, "assignment_id": assignment.pk},
        now=now,
    )
    return assignment


@transaction.atomic(durable=True)
def do_revoke_role(
    *, acting_user: Any, assignment: RoleAssignment, now: datetime.datetime | None = None
) -> RoleAssignment:
    now = now or timezone.now()
    # Revoking follows the granting rule: nobody removes a role they could not have granted.
    check_can_grant(acting_user, assignment.unit, assignment.role)
    if assignment.revoked_at is not None:
        return assignment
    assignment.revoked_at = now
    assignment.save(update_fields=["revoked_at"])
    forget_roles(assignment.user)
    record_event(
        acting_user=_actor(acting_user),
        event_type="role_revoked",
        obj=assignment.user,
        unit=assignment.unit,
        changed_fields=["role_assignments"],
        details={"role": assignment.role, "unit_id": assignment.unit_id, "assignment_id": assignment.pk},
        now=now,
    )
    return assignment


def _actor(acting_user: Any) -> User | None:
    return acting_user if acting_user is not None and getattr(acting_user, "pk", None) else None


def _home_unit(user: User) -> OrgUnit | None:
    assignment = user.role_assignments.filter(revoked_at__isnull=True).select_related("unit").first()
    return assignment.unit if assignment else None


def login_throttle_keys(username: str, address: str) -> tuple[str, str]:
    """Keyed hashes of the lower-cased login name and of the address (never stored in clear)."""
    return (
        blind_index(username.strip().lower(), purpose="login_name"),
        blind_index(address, purpose="login_address"),
    )


def login_delay(failures: int) -> datetime.timedelta | None:
    """How long a (name, address) waits after its `failures`-th wrong password in a row."""
    over = failures - settings.GONGHUI_LOCKOUT_THRESHOLD
    if over < 0:
        return None
    cap = settings.GONGHUI_LOCKOUT_MINUTES * 60
    return datetime.timedelta(seconds=min(cap, settings.GONGHUI_LOGIN_DELAY_SECONDS * 2 ** min(over, 20)))


# A quiet day forgives: the count starts again after this long without a failure.
LOGIN_FAILURES_FORGOTTEN_AFTER = datetime.timedelta(hours=24)


@transaction.atomic(durable=True)
def do_record_login_failure(
    *, username: str, address: str, user: User | None, now: datetime.datetime | None = None
) -> LoginThrottle:
    """Count a wrong password for (login name, address) — whether the name exists or not — and set the
    pair's next allowed try. The account is not locked: its owner elsewhere still signs in."""
    now = now or timezone.now()
    account_key, address_key = login_throttle_keys(username, address)
    throttle, _created = LoginThrottle.objects.select_for_update().get_or_create(
        account_key=account_key, address_key=address_key, defaults={"last_failed_at": now}
    )
    if now - throttle.last_failed_at > LOGIN_FAILURES_FORGOTTEN_AFTER:
        throttle.failures = 0
    throttle.failures += 1
    throttle.last_failed_at = now
    delay = login_delay(throttle.failures)
    throttle.blocked_until = now + delay if delay else None
    throttle.save()
    changed = ["failed_login_count"]
    unit = None
    if user is not None:
        # Shown to the staff managers (the "held back" badge); it no longer stops a login by itself.
        user = User.objects.select_for_update().get(pk=user.pk)
        user.failed_login_count += 1
        if throttle.blocked_until is not None:
            user.locked_until = max(filter(None, [user.locked_until, throttle.blocked_until]))
            changed.append("locked_until")
        user.save(update_fields=changed)
        unit = _home_unit(user)
    # A name that does not exist has no place in the tree: the event goes to the city's view.
    record_event(
        acting_user=None,
        event_type="login_delayed" if throttle.blocked_until is not None else "login_failed",
        obj=user,
        unit=unit,
        acting_unit=unit,
        changed_fields=changed if user is not None else [],
        details={"failures": throttle.failures, "known_login": user is not None},
        now=now,
    )
    return throttle


@transaction.atomic(durable=True)
def do_record_login(*, user: User, address: str = "", now: datetime.datetime | None = None) -> User:
    now = now or timezone.now()
    account_key, address_key = login_throttle_keys(user.username, address)
    LoginThrottle.objects.filter(account_key=account_key, address_key=address_key).delete()
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login = now
    user.save(update_fields=["failed_login_count", "locked_until", "last_login"])
    unit = _home_unit(user)
    record_event(
        acting_user=user,
        event_type="login",
        obj=user,
        unit=unit,
        acting_unit=unit,
        changed_fields=["last_login"],
        now=now,
    )
    return user


@transaction.atomic(durable=True)
def do_unlock_staff(*, acting_user: Any, user: User, unit: OrgUnit) -> User:
    """Forget the login's wrong passwords from every address (someone guessed; the owner was told)."""
    if rank_at(acting_user, unit) < RANK_MANAGE_STAFF:
        raise Forbidden()
    LoginThrottle.objects.filter(account_key=login_throttle_keys(user.username, "")[0]).delete()
    user.failed_login_count = 0
    user.locked_until = None
    user.save(update_fields=["failed_login_count", "locked_until"])
    record_event(
        acting_user=acting_user,
        event_type="staff_unlocked",
        obj=user,
        unit=unit,
        changed_fields=["locked_until"],
    )
    return user


@transaction.atomic(durable=True)
def do_change_password(
    *, acting_user: User, current: str, new: str, now: datetime.datetime | None = None
) -> User:
    """The user's own new password (a handed-over one must be replaced before anything else)."""
    now = now or timezone.now()
    user = User.objects.select_for_update().get(pk=acting_user.pk)
    if not user.check_password(current):
        raise WrongCurrentPassword(field="current")
    if current == new:
        raise PasswordUnchanged(field="new")
    try:
        validate_password(new, user)
    except ValidationError as exc:
        raise WeakPassword(field="new", reasons=" ".join(exc.messages)) from None
    user.set_password(new)
    user.password_change_required = False
    user.save(update_fields=["password", "password_change_required"])
    unit = _home_unit(user)
    record_event(
        acting_user=user,
        event_type="password_changed",
        obj=user,
        unit=unit,
        acting_unit=unit,
        changed_fields=["password"],
        now=now,
    )
    return user


@transaction.atomic(durable=True)
def do_start_totp_enrolment(*, acting_user: User) -> TOTPDevice:
    """A fresh unconfirmed authenticator for the user (replacing any earlier unconfirmed one)."""
    TOTPDevice.objects.filter(user=acting_user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=acting_user, name="authenticator", confirmed=False)
    unit = _home_unit(acting_user)
    record_event(
        acting_user=acting_user,
        event_type="totp_enrolment_started",
        obj=acting_user,
        unit=unit,
        acting_unit=unit,
        changed_fields=["totp_device"],
    )
    return device


def do_verify_totp(*, acting_user: User, token: str, confirm: bool = False) -> TOTPDevice:
    """Check a 6-digit code against the user's authenticator; with confirm=True, finish enrolment.

    A wrong code must count: django-otp's throttle (growing delays after failures) lives on the device
    row, so the check commits before the error is raised — raising inside the transaction would roll
    the failure count back and allow unlimited guessing."""
    device = _check_totp(acting_user=acting_user, token=token, confirm=confirm)
    if device is None:
        raise InvalidOtpToken(field="token")
    return device


@transaction.atomic(durable=True)
def _check_totp(*, acting_user: User, token: str, confirm: bool) -> TOTPDevice | None:
    devices = list(TOTPDevice.objects.filter(user=acting_user, confirmed=not confirm).select_for_update())
    token = "".join(ch for ch in token if ch.isascii() and ch.isdigit())[:6]
    unit = _home_unit(acting_user)
    device = None
    for candidate in devices:
        allowed, _ = candidate.verify_is_allowed()
        if allowed and candidate.verify_token(token):
            device = candidate
            break
    if device is not None and confirm:
        TOTPDevice.objects.filter(user=acting_user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    event = "totp_failed" if device is None else ("totp_confirmed" if confirm else "totp_verified")
    record_event(
        acting_user=acting_user,
        event_type=event,
        obj=acting_user,
        unit=unit,
        acting_unit=unit,
        changed_fields=["totp_device"],
    )
    return device


@transaction.atomic(durable=True)
def do_issue_api_token(*, acting_user: Any, user: User, name: str, unit: OrgUnit) -> tuple[ApiToken, str]:
    """Create a bearer token; the secret is returned once and only its hash is kept."""
    if (
        rank_at(acting_user, unit) < RANK_MANAGE_STAFF
        or not user.role_assignments.filter(unit=unit, revoked_at__isnull=True).exists()
    ):
        raise Forbidden()
    if needs_second_factor(user):
        raise TokenNotForPiiRole()
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or "token",
        prefix=prefix,
        secret_hash=secret_digest(secret),
        created_at=timezone.now(),
    )
    record_event(
        acting_user=acting_user,
        event_type="api_token_issued",
        obj=user,
        unit=unit,
        changed_fields=["api_tokens"],
        details={"token_prefix": prefix},
    )
    return token, f"gh_{prefix}_{secret}"


class RevealNotAllowed(Forbidden):
    code = "pii_reveal_forbidden"
    default_message = _("Your role may only see this value masked.")


def do_stamp_token_used(*, token: ApiToken, now: datetime.datetime | None = None) -> None:
    """When the token last authenticated a request. Bookkeeping, not a domain change: a plain UPDATE and
    no audit event (one per request would drown the log)."""
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now or timezone.now())


@transaction.atomic(durable=True)
def do_reveal_pii(*, acting_user: Any, obj: models.Model, field_name: str, unit: Any) -> str:
    """Return the full value of an encrypted field and log that this user saw it."""
    field = obj._meta.get_field(field_name)
    if not isinstance(field, EncryptedTextField):
        raise ValueError(f"{field_name} is not an encrypted field")
    if not can_reveal_pii(acting_user, unit):
        raise RevealNotAllowed()
    record_event(
        acting_user=acting_user,
        event_type="pii_revealed",
        obj=obj,
        unit=unit,
        changed_fields=[],
        details={"field": field_name},
    )
    return getattr(obj, field_name) or ""
