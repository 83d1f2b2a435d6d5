"""Bank branches, their operators, card boxes and blanks, partner keys."""

import datetime
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.cards.actions.errors import (
    BatchEmpty,
    BatchTooLarge,
    BlankNotFree,
    CardNumberInvalid,
    CardNumberTaken,
    PartnerNonceReused,
)
from gonghui.cards.actions.rules import (
    KEY_OVERLAP,
    MAX_BATCH,
    RANK_MANAGE_BRANCHES,
    _require_officer,
    operator_branch,
)
from gonghui.cards.models import BankBranch, BranchOperator, CardBlank, CardStock, PartnerKey, PartnerNonce
from gonghui.cards.numbers import card_number_problem, clean_card_number
from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, InvalidInput, NotFound
from gonghui.orgs.models import OrgUnit, Role


@transaction.atomic(durable=True)
def do_create_bank_branch(
    *,
    acting_user: Any,
    code: str,
    bank_name: str,
    name: str,
    serves_unit: OrgUnit,
    bin_prefix: str,
    low_stock_threshold: int = 20,
    now: datetime.datetime | None = None,
) -> BankBranch:
    now = now or timezone.now()
    _require_officer(acting_user, serves_unit, RANK_MANAGE_BRANCHES)
    if not (bin_prefix.isascii() and bin_prefix.isdigit() and 6 <= len(bin_prefix) <= 10):
        raise InvalidInput(_("The BIN is the card number's first 6 to 10 digits."), field="bin_prefix")
    if BankBranch.objects.filter(code=code).exists():
        raise Conflict(field="code")
    branch = BankBranch.objects.create(
        code=code,
        bank_name=bank_name.strip(),
        name=name.strip(),
        serves_unit=serves_unit,
        bin_prefix=bin_prefix,
        low_stock_threshold=low_stock_threshold,
        authoriser_device_id=f"fp-{secrets.token_hex(6)}",
        authoriser_secret=secrets.token_urlsafe(32),
        created_at=now,
    )
    record_event(
        acting_user=acting_user, event_type="bank_branch_created", obj=branch, unit=serves_unit, now=now
    )
    return branch


@transaction.atomic(durable=True)
def do_assign_branch_operator(
    *, acting_user: Any, branch: BankBranch, user: Any, now: datetime.datetime | None = None
) -> BranchOperator:
    """Tie a bank-operator login to a branch (moving it from another branch if it had one)."""
    now = now or timezone.now()
    _require_officer(acting_user, branch.serves_unit, RANK_MANAGE_BRANCHES)
    if not user.role_assignments.filter(role=Role.BANK_OPERATOR, revoked_at__isnull=True).exists():
        raise InvalidInput(_("Only a login with the bank-operator role can work at a branch."), field="user")
    link, _created = BranchOperator.objects.update_or_create(
        user=user, defaults={"branch": branch, "created_at": now}
    )
    record_event(
        acting_user=acting_user,
        event_type="bank_operator_assigned",
        obj=branch,
        unit=branch.serves_unit,
        details={"user_id": user.pk},
        now=now,
    )
    return link


@transaction.atomic(durable=True)
def do_create_card_stock(
    *, acting_user: Any, branch: BankBranch, label: str, now: datetime.datetime | None = None
) -> CardStock:
    now = now or timezone.now()
    if operator_branch(acting_user).pk != branch.pk:
        raise NotFound()
    stock = CardStock.objects.create(branch=branch, label=label.strip()[:100] or "卡箱", created_at=now)
    record_event(
        acting_user=acting_user, event_type="card_stock_created", obj=stock, unit=branch.serves_unit, now=now
    )
    return stock


@transaction.atomic(durable=True)
def do_load_card_batch(
    *,
    acting_user: Any,
    stock: CardStock,
    numbers: Iterable[str],
    batch: str = "",
    now: datetime.datetime | None = None,
) -> int:
    """Put a batch of blank cards into the box. Every number must be Luhn-valid under the bank's BIN and
    new; one bad number refuses the batch (the operator fixes the list, nothing half-loaded)."""
    now = now or timezone.now()
    branch = stock.branch
    if operator_branch(acting_user).pk != branch.pk:
        raise NotFound()
    cleaned = [clean_card_number(n) for n in numbers if n.strip()]
    if not cleaned:
        raise BatchEmpty(field="numbers")
    if len(cleaned) > MAX_BATCH:
        raise BatchTooLarge(field="numbers", n=MAX_BATCH)
    for number in cleaned:
        problem = card_number_problem(number, bin_prefix=branch.bin_prefix)
        if problem:
            raise CardNumberInvalid(field="numbers", number=number[:32], problem=PROBLEM_LABELS[problem])
    if len(set(cleaned)) != len(cleaned):
        raise CardNumberTaken(field="numbers")
    batch = batch.strip()[:40] or now.strftime("%Y%m%d-%H%M%S")
    blanks = [CardBlank(stock=stock, number=n, last4=n[-4:], batch=batch, loaded_at=now) for n in cleaned]
    try:
        with transaction.atomic():
            CardBlank.objects.bulk_create(blanks, batch_size=500)
    except IntegrityError:
        raise CardNumberTaken(field="numbers") from None
    record_event(
        acting_user=acting_user,
        event_type="card_batch_loaded",
        obj=stock,
        unit=branch.serves_unit,
        details={"count": len(blanks), "batch": batch},
        now=now,
    )
    return len(blanks)


PROBLEM_LABELS = {
    "not_digits": _("not all digits"),
    "length": _("must be 16 to 19 digits"),
    "bin": _("does not start with the bank's BIN"),
    "check_digit": _("wrong check digit"),
}


@transaction.atomic(durable=True)
def do_void_card_blank(
    *, acting_user: Any, blank: CardBlank, reason: str, now: datetime.datetime | None = None
) -> CardBlank:
    """Take a damaged card out of the box for good."""
    now = now or timezone.now()
    blank = (
        CardBlank.objects.select_for_update().select_related("stock__branch__serves_unit").get(pk=blank.pk)
    )
    if operator_branch(acting_user).pk != blank.stock.branch_id:
        raise NotFound()
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why the card is voided."), field="reason")
    if blank.status != CardBlank.Status.FREE:
        raise BlankNotFree()
    blank.status = CardBlank.Status.VOID
    blank.voided_at = now
    blank.void_reason = reason[:200]
    blank.save(update_fields=["status", "voided_at", "void_reason"])
    record_event(
        acting_user=acting_user,
        event_type="card_blank_voided",
        obj=blank,
        unit=blank.stock.branch.serves_unit,
        details={"reason": blank.void_reason},
        now=now,
    )
    return blank


def new_key_id(branch: BankBranch) -> str:
    return f"{branch.code.lower()}-{secrets.token_hex(4)}"


@transaction.atomic(durable=True)
def do_issue_partner_key(
    *, acting_user: Any, branch: BankBranch, now: datetime.datetime | None = None
) -> tuple[PartnerKey, str]:
    """A new signing key for the branch's back office. The secret is returned once (to hand to the bank)
    and stored encrypted. Earlier keys keep working for KEY_OVERLAP, then stop: a rotation."""
    now = now or timezone.now()
    if (
        acting_user is not None
    ):  # None: the demo loader and `bank_sim --setup`, run by the operator of the host
        _require_officer(acting_user, branch.serves_unit, RANK_MANAGE_BRANCHES)
    secret = secrets.token_urlsafe(32)
    rotated = PartnerKey.objects.filter(
        branch=branch, revoked_at__isnull=True, expires_at__isnull=True
    ).update(expires_at=now + KEY_OVERLAP)
    key = PartnerKey.objects.create(branch=branch, key_id=new_key_id(branch), secret=secret, created_at=now)
    record_event(
        acting_user=acting_user,
        event_type="partner_key_issued",
        obj=key,
        unit=branch.serves_unit,
        details={"branch_id": branch.pk, "rotated": rotated},
        now=now,
    )
    return key, secret


@transaction.atomic(durable=True)
def do_revoke_partner_key(
    *, acting_user: Any, key: PartnerKey, now: datetime.datetime | None = None
) -> PartnerKey:
    now = now or timezone.now()
    key = PartnerKey.objects.select_for_update().select_related("branch__serves_unit").get(pk=key.pk)
    _require_officer(acting_user, key.branch.serves_unit, RANK_MANAGE_BRANCHES)
    if key.revoked_at is None:
        key.revoked_at = now
        key.save(update_fields=["revoked_at"])
    record_event(
        acting_user=acting_user,
        event_type="partner_key_revoked",
        obj=key,
        unit=key.branch.serves_unit,
        now=now,
    )
    return key


def simulator_enabled() -> bool:
    """The simulated ID reader and fingerprint device exist in development, the demo and the tests only."""
    return bool(settings.GONGHUI_CARD_DEVICE_SIMULATOR)


# Bookkeeping of the partner API's requests: no audit event (one per request would drown the log); a
# refused request has its own, do_record_partner_refusal.


def do_remember_partner_nonce(
    *, key: PartnerKey, nonce: str, expires_at: datetime.datetime, now: datetime.datetime
) -> None:
    """Remember a signed request's nonce until it could no longer pass its timestamp check; the same
    nonce again raises PartnerNonceReused."""
    # Nonces past their window are useless (a replay that old fails on its timestamp): dropping this
    # key's on each request keeps the table at about five minutes of one bank's traffic.
    PartnerNonce.objects.filter(key=key, expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            PartnerNonce.objects.create(key=key, nonce=nonce, expires_at=expires_at)
    except IntegrityError:
        raise PartnerNonceReused() from None


def do_stamp_partner_key_used(*, key: PartnerKey, now: datetime.datetime) -> None:
    """When the key last signed a request that passed."""
    PartnerKey.objects.filter(pk=key.pk).update(last_used_at=now)
