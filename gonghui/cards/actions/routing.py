"""Which bank branch an application goes to."""

from collections.abc import Callable

from gonghui.cards.models import BankBranch, CardApplication


def _branch_serving_subtree(application: CardApplication) -> BankBranch | None:
    """The active branch serving the nearest union above the member's (a branch for 潞城镇 beats one for
    all of 通州)."""
    path = application.union.path
    candidates = [
        b
        for b in BankBranch.objects.filter(is_active=True).select_related("serves_unit")
        if path.startswith(b.serves_unit.path)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda b: (len(b.serves_unit.path), -b.pk))


def _branch_of_enrolment_meeting(application: CardApplication) -> BankBranch | None:
    """The branch named as issuing cards at the 沟通会 where the member enrolled (Membership.meeting,
    Meeting.card_branch), while it is active: the bank's staff at the meeting see the people who just
    joined there, whichever union's subtree they serve."""
    meeting_id = application.membership.meeting_id
    if meeting_id is None:
        return None
    return BankBranch.objects.filter(meetings__pk=meeting_id, is_active=True).first()


# Tried in order; the first that names a branch wins: the meeting the member enrolled at, then the
# branch serving the member's union.
ROUTING_RULES: list[Callable[[CardApplication], BankBranch | None]] = [
    _branch_of_enrolment_meeting,
    _branch_serving_subtree,
]


def route_for(application: CardApplication) -> BankBranch | None:
    for rule in ROUTING_RULES:
        branch = rule(application)
        if branch is not None:
            return branch
    return None
