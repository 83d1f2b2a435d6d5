"""The application's states and the moves between them, and the checks every card action shares (who
may act, which branch an operator works at, whether a membership may have a card)."""

import datetime
from typing import Any

from gonghui.cards.actions.errors import (
    IllegalTransition,
    NoConsent,
    NotActive,
    NotAnOperator,
    NotInService,
    RetiredNotEligible,
    TemporaryNotEligible,
)
from gonghui.cards.models import BankBranch, BranchOperator, CardApplication
from gonghui.core.errors import Forbidden, NotFound
from gonghui.members.models import EmploymentStatus, Membership
from gonghui.orgs.models import ROLE_RANK, OrgUnit, Role
from gonghui.orgs.scope import rank_at

Status = CardApplication.Status
RANK_APPLY = ROLE_RANK[Role.UNION_CHAIR]
RANK_MANAGE_BRANCHES = ROLE_RANK[Role.DISTRICT_OFFICER]
# Before a card exists: at most one of these per person (a DB constraint). Once issued, the card itself
# is what must be unique (one live card per person), so a lost card can be replaced.
OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.ROUTED,
    Status.CALLED,
    Status.ID_VERIFIED,
    Status.AUTHORISED,
)
IN_PROGRESS_STATUSES = (*OPEN_STATUSES, Status.ISSUED)
# The state machine. A target missing here is refused with IllegalTransition (code illegal_transition).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SUBMITTED: frozenset({Status.ROUTED, Status.REJECTED, Status.CANCELLED}),
    Status.ROUTED: frozenset(
        {Status.ROUTED, Status.CALLED, Status.ISSUED, Status.REJECTED, Status.CANCELLED}
    ),
    Status.CALLED: frozenset({Status.ROUTED, Status.ID_VERIFIED, Status.REJECTED, Status.CANCELLED}),
    Status.ID_VERIFIED: frozenset({Status.AUTHORISED, Status.REJECTED, Status.CANCELLED}),
    Status.AUTHORISED: frozenset({Status.ISSUED, Status.REJECTED, Status.CANCELLED}),
    Status.ISSUED: frozenset({Status.ACTIVATED, Status.CANCELLED}),
    Status.ACTIVATED: frozenset({Status.CANCELLED}),
    Status.REJECTED: frozenset(),
    Status.CANCELLED: frozenset(),
}
STATUS_TIMESTAMP: dict[str, str] = {
    Status.SUBMITTED: "submitted_at",
    Status.ROUTED: "routed_at",
    Status.CALLED: "called_at",
    Status.ID_VERIFIED: "id_verified_at",
    Status.AUTHORISED: "authorised_at",
    Status.ISSUED: "issued_at",
    Status.ACTIVATED: "activated_at",
    Status.REJECTED: "rejected_at",
    Status.CANCELLED: "cancelled_at",
}
FINGERPRINT_MAX_AGE = datetime.timedelta(minutes=5)
KEY_OVERLAP = datetime.timedelta(hours=24)
MAX_BATCH = 5000


def _move(application: CardApplication, target: str, now: datetime.datetime) -> list[str]:
    """Set the new state and its timestamp; refuse what the state machine does not allow."""
    if target not in TRANSITIONS[application.status]:
        raise IllegalTransition(status=Status(application.status).label, target=Status(target).label)
    application.status = target
    stamp = STATUS_TIMESTAMP[target]
    setattr(application, stamp, now)
    return ["status", stamp]


def _lock(application: CardApplication) -> CardApplication:
    # Only the application row is locked ("of self"): the branch is an outer join, which PostgreSQL
    # cannot lock, and locking the branch would serialise every pad of the branch.
    return (
        CardApplication.objects.select_for_update(of=("self",))
        .select_related("person", "branch", "union")
        .get(pk=application.pk)
    )


def _require_officer(acting_user: Any, union: OrgUnit, rank: int = RANK_APPLY) -> None:
    if rank_at(acting_user, union) < rank:
        raise Forbidden()


def operator_branch(acting_user: Any) -> BankBranch:
    """The branch a bank operator works for; any other login is refused as if the page did not exist.
    Cached on the user object for the request, as its roles are (the access helper and the action ask)."""
    cached = getattr(acting_user, "_gonghui_bank_branch", None)
    if cached is not None:
        return cached
    user_id = getattr(acting_user, "pk", None)
    if user_id is None:
        raise NotAnOperator()
    link = (
        BranchOperator.objects.select_related("branch")
        .filter(user_id=user_id, branch__is_active=True)
        .first()
    )
    if link is None or not acting_user.is_active:
        raise NotAnOperator()
    acting_user._gonghui_bank_branch = link.branch
    return link.branch


def _require_branch_operator(acting_user: Any, application: CardApplication) -> BankBranch:
    branch = operator_branch(acting_user)
    if application.branch_id != branch.pk:
        raise NotFound()
    return branch


def check_eligibility(membership: Membership) -> None:
    """Raise the NotEligible subclass that says why this membership cannot have a card."""
    if membership.status != Membership.Status.ACTIVE:
        raise NotActive()
    if membership.employment_status == EmploymentStatus.RETIRED:
        raise RetiredNotEligible()
    if membership.employment_status == EmploymentStatus.TEMPORARY:
        raise TemporaryNotEligible()
    if membership.employment_status == EmploymentStatus.UNEMPLOYED:
        raise NotInService()
    if not membership.consents.exists():
        raise NoConsent()
