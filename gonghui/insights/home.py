"""Each role's day on its home page (issue 12 point 6): what waits for it and where that work is done.
Reads only, each scoped to the acting user through the apps' own queries; the full dashboards are in
dashboard_views."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from gonghui.cards.models import CardApplication
from gonghui.cards.queries import applications_in_scope, is_bank_operator, list_pad_queue
from gonghui.meetings.queries import list_meetings, list_overdue_meetings, meetings_in_scope
from gonghui.members.models import Membership
from gonghui.members.queries import list_review_queue, memberships_in_scope
from gonghui.orgs.models import Role
from gonghui.orgs.scope import ROLE_RANK, held_roles, max_rank

RANK_REVIEW = ROLE_RANK[Role.UNION_CHAIR]
RANK_PLAN_MEETINGS = ROLE_RANK[Role.UNION_CHAIR]
CARDS_QUEUED = [
    CardApplication.Status.SUBMITTED,
    CardApplication.Status.ROUTED,
    CardApplication.Status.CALLED,
    CardApplication.Status.ID_VERIFIED,
    CardApplication.Status.AUTHORISED,
]
CARDS_ISSUED = [CardApplication.Status.ISSUED, CardApplication.Status.ACTIVATED]


@dataclass
class HomeDay:
    roles: list[Any]
    is_bank_operator: bool
    is_collector: bool
    # Staff with an area (viewer and above) see its totals and meetings; partners see neither.
    has_area: bool
    # A viewer (领导) only reads: the page offers it no work to do, only totals.
    read_only: bool
    can_review: bool
    pending_reviews: int = 0
    pad_queue: int = 0
    meetings_today: list[Any] | None = None
    overdue_meetings: int = 0
    cards_queued: int = 0
    cards_issued: int = 0
    active_members: int = 0
    meetings_this_month: int = 0


def get_home_day(*, acting_user: Any, now: datetime.datetime | None = None) -> HomeDay:
    now = timezone.localtime(now or timezone.now())
    roles = held_roles(acting_user)
    rank = max_rank(acting_user)
    day = HomeDay(
        roles=roles,
        is_bank_operator=is_bank_operator(acting_user),
        is_collector=any(role.role == Role.COLLECTOR for role in roles),
        has_area=rank >= ROLE_RANK[Role.VIEWER],
        read_only=ROLE_RANK[Role.VIEWER] <= rank < ROLE_RANK[Role.COLLECTOR],
        can_review=rank >= RANK_REVIEW,
    )
    if day.is_bank_operator:
        day.pad_queue = list_pad_queue(acting_user=acting_user).count()
    if not day.has_area:
        return day
    if day.can_review:
        day.pending_reviews = list_review_queue(acting_user=acting_user).count()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    day.meetings_today = list(
        list_meetings(acting_user=acting_user, start=midnight, end=midnight + datetime.timedelta(days=1))
    )
    day.overdue_meetings = list_overdue_meetings(acting_user=acting_user, now=now).count()
    applications = applications_in_scope(acting_user)
    day.cards_queued = applications.filter(status__in=CARDS_QUEUED).count()
    day.cards_issued = applications.filter(status__in=CARDS_ISSUED).count()
    day.active_members = memberships_in_scope(acting_user).filter(status=Membership.Status.ACTIVE).count()
    first_of_month = midnight.replace(day=1)
    next_month = (first_of_month + datetime.timedelta(days=32)).replace(day=1)
    day.meetings_this_month = (
        meetings_in_scope(acting_user).filter(starts_at__gte=first_of_month, starts_at__lt=next_month).count()
    )
    return day
