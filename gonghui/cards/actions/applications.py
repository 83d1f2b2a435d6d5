"""Card applications: open (one, a union's members, self-service), route, cancel."""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from gonghui.cards.actions.errors import AlreadyHasCard, ApplicationOpen, BranchNotServing, IllegalTransition
from gonghui.cards.actions.routing import route_for
from gonghui.cards.actions.rules import (
    OPEN_STATUSES,
    Status,
    _lock,
    _move,
    _require_officer,
    check_eligibility,
)
from gonghui.cards.models import BankBranch, Card, CardApplication
from gonghui.core.audit import record_event
from gonghui.core.errors import DomainError
from gonghui.members.models import Membership
from gonghui.orgs.models import OrgUnit


def _open_application(
    membership: Membership,
    *,
    source: str,
    acting_user: Any,
    now: datetime.datetime,
    replaces: Card | None = None,
) -> CardApplication:
    check_eligibility(membership)
    if (
        replaces is None
        and Card.objects.filter(
            person_id=membership.person_id, status__in=[Card.Status.ISSUED, Card.Status.ACTIVE]
        ).exists()
    ):
        raise AlreadyHasCard()
    application = CardApplication(
        membership=membership,
        person_id=membership.person_id,
        union_id=membership.union_id,
        status=Status.SUBMITTED,
        source=source,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        submitted_at=now,
        replaces=replaces,
    )
    application.union = membership.union
    branch = route_for(application)
    if branch is not None:
        application.branch = branch
        application.status = Status.ROUTED
        application.routed_at = now
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise ApplicationOpen() from None
    return application


@transaction.atomic(durable=True)
def do_create_card_application(
    *, acting_user: Any, membership: Membership, now: datetime.datetime | None = None
) -> CardApplication:
    """An officer applies for a member's card; it is routed at once if a branch serves the union."""
    now = now or timezone.now()
    _require_officer(acting_user, membership.union)
    membership = Membership.objects.select_related("union", "person").get(pk=membership.pk)
    application = _open_application(
        membership, source=CardApplication.Source.OFFICER, acting_user=acting_user, now=now
    )
    record_event(
        acting_user=acting_user,
        event_type="card_application_created",
        obj=application,
        unit=membership.union,
        details={"status": application.status, "branch_id": application.branch_id},
        now=now,
    )
    return application


@dataclass
class BulkOutcome:
    created: list[CardApplication] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)


@transaction.atomic(durable=True)
def do_create_card_applications_for_union(
    *, acting_user: Any, union: OrgUnit, now: datetime.datetime | None = None
) -> BulkOutcome:
    """Apply for every active member of `union` who can have a card and has none in progress; the others
    are counted by the reason they were left out."""
    now = now or timezone.now()
    _require_officer(acting_user, union)
    outcome = BulkOutcome()
    memberships = (
        Membership.objects.filter(union=union, status=Membership.Status.ACTIVE)
        .select_related("union", "person")
        .order_by("pk")
    )
    for membership in memberships:
        try:
            outcome.created.append(
                _open_application(
                    membership, source=CardApplication.Source.BULK, acting_user=acting_user, now=now
                )
            )
        except DomainError as error:
            outcome.refused[error.code] += 1
    record_event(
        acting_user=acting_user,
        event_type="card_applications_bulk_created",
        obj=union,
        unit=union,
        details={"created": len(outcome.created), "refused": dict(outcome.refused)},
        now=now,
    )
    return outcome


@transaction.atomic(durable=True)
def do_apply_for_card_self_service(
    *, membership: Membership, now: datetime.datetime | None = None
) -> CardApplication:
    """The member applies from their own phone (after the phone check in cards.selfservice)."""
    now = now or timezone.now()
    membership = Membership.objects.select_related("union", "person").get(pk=membership.pk)
    application = _open_application(
        membership, source=CardApplication.Source.SELF_SERVICE, acting_user=None, now=now
    )
    record_event(
        acting_user=None,
        event_type="card_application_self_service",
        obj=application,
        unit=membership.union,
        details={"status": application.status},
        now=now,
    )
    return application


@transaction.atomic(durable=True)
def do_route_card_application(
    *,
    acting_user: Any,
    application: CardApplication,
    branch: BankBranch,
    now: datetime.datetime | None = None,
) -> CardApplication:
    """An officer sends the application to another branch (or to one at all, if none served the union)."""
    now = now or timezone.now()
    application = _lock(application)
    _require_officer(acting_user, application.union)
    if not branch.is_active:
        raise BranchNotServing(field="branch")
    previous = application.branch_id
    changed = _move(application, Status.ROUTED, now)
    application.branch = branch
    application.called_by = None
    application.save(update_fields=[*changed, "branch", "called_by"])
    record_event(
        acting_user=acting_user,
        event_type="card_application_routed",
        obj=application,
        unit=application.union,
        changed_fields=["branch", "status"],
        details={"from_branch_id": previous, "to_branch_id": branch.pk},
        now=now,
    )
    return application


@transaction.atomic(durable=True)
def do_cancel_card_application(
    *, acting_user: Any, application: CardApplication, now: datetime.datetime | None = None
) -> CardApplication:
    now = now or timezone.now()
    application = _lock(application)
    _require_officer(acting_user, application.union)
    if application.status not in OPEN_STATUSES:
        raise IllegalTransition(status=Status(application.status).label, target=Status.CANCELLED.label)
    changed = _move(application, Status.CANCELLED, now)
    application.save(update_fields=changed)
    record_event(
        acting_user=acting_user,
        event_type="card_application_cancelled",
        obj=application,
        unit=application.union,
        changed_fields=changed,
        now=now,
    )
    return application
