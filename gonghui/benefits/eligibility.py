"""Who the benefit covers on the date of service (在职职工医疗互助保障计划): a member then (and past the
plan's waiting period), in service (not retired, temporary or without work), holding a live service card
with the medical-insurance link recorded (the payout goes to that card), treated at a hospital level the
plan covers. Every refusal has a stable code and a Chinese reason.

The facts are loaded for many people at once (a feed chunk is thousands of rows), then decided row by row
without a query."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.benefits.models import BenefitPlan
from gonghui.cards.models import Card
from gonghui.members.models import EmploymentStatus, Membership


class Refusal(TextChoices):
    """Why a claim is refused (stable codes: reports count them, the API returns them)."""

    NOT_MEMBER_ON_DATE = "not_member_on_date", _("Not an active member on the date of service")
    WAITING_PERIOD = "waiting_period", _("Within the waiting period after joining")
    RETIRED = "retired", _("Retired members are not covered")
    TEMPORARY = "temporary_staff", _("Temporary staff are not covered")
    NOT_IN_SERVICE = "not_in_service", _("Not in service on the date of service")
    NO_LIVE_CARD = "no_live_card", _("No live member service card to pay to")
    NO_MEDICAL_LINK = "no_medical_link", _("The card's medical-insurance link is not recorded")
    NO_PLAN = "no_plan", _("No plan in force for this benefit and year")
    LEVEL_NOT_COVERED = "hospital_level_not_covered", _("The plan does not cover this hospital level")
    BELOW_DEDUCTIBLE = "below_deductible", _("The amount does not exceed the deductible")
    YEAR_CAP_REACHED = "year_cap_reached", _("This year's cap has been reached")
    REFUSED_BY_REVIEWER = "refused_by_reviewer", _("Refused by the reviewer")


@dataclass(frozen=True)
class MembershipFact:
    membership_id: int
    union_id: int
    union_path: str
    status: str
    employment_status: str
    joined_date: datetime.date | None
    ended_date: datetime.date | None

    def active_on(self, day: datetime.date) -> bool:
        if self.joined_date is None or self.joined_date > day:
            return False
        if self.status == Membership.Status.ACTIVE:
            return True
        # Transferred out or ended: covered for the days before it ended.
        return (
            self.status in (Membership.Status.TRANSFERRED_OUT, Membership.Status.ENDED)
            and self.ended_date is not None
            and day < self.ended_date
        )


@dataclass
class PersonFacts:
    memberships: list[MembershipFact] = field(default_factory=list)
    has_live_card: bool = False
    has_medical_link: bool = False

    def membership_on(self, day: datetime.date) -> MembershipFact | None:
        covering = [m for m in self.memberships if m.active_on(day)]
        return max(covering, key=lambda m: (m.joined_date, m.membership_id)) if covering else None

    def latest_membership(self) -> MembershipFact | None:
        """The membership a refused claim is shown under: the one that covers the person now, else the
        newest there is (pending included: a worker who applied after the treatment)."""
        if not self.memberships:
            return None
        return max(self.memberships, key=lambda m: (m.status == Membership.Status.ACTIVE, m.membership_id))


@dataclass(frozen=True)
class Decision:
    membership: MembershipFact | None
    refusal: Refusal | None


def load_facts(person_ids: Iterable[int]) -> dict[int, PersonFacts]:
    """Memberships and cards of these people, two queries for any number of them."""
    ids = list(set(person_ids))
    facts: dict[int, PersonFacts] = defaultdict(PersonFacts)
    rows = Membership.objects.filter(person_id__in=ids).exclude(status=Membership.Status.REJECTED)
    for row in rows.values_list(
        "pk", "person_id", "union_id", "union__path", "status", "employment_status", "joined_date", "ended_at"
    ):
        pk, person_id, union_id, path, status, employment, joined, ended_at = row
        ended = timezone.localdate(ended_at) if ended_at is not None else None
        facts[person_id].memberships.append(
            MembershipFact(pk, union_id, path, status, employment, joined, ended)
        )
    cards = Card.objects.filter(person_id__in=ids, status__in=[Card.Status.ISSUED, Card.Status.ACTIVE])
    for person_id, linked_at in cards.values_list("person_id", "medical_linked_at"):
        facts[person_id].has_live_card = True
        facts[person_id].has_medical_link = facts[person_id].has_medical_link or linked_at is not None
    return dict(facts)


_NOT_IN_SERVICE = {
    EmploymentStatus.RETIRED: Refusal.RETIRED,
    EmploymentStatus.TEMPORARY: Refusal.TEMPORARY,
    EmploymentStatus.UNEMPLOYED: Refusal.NOT_IN_SERVICE,
}


def decide(
    facts: PersonFacts, *, service_date: datetime.date, plan: BenefitPlan | None, hospital_level: str
) -> Decision:
    """The first rule the claim fails, in the order an officer would check them, or no refusal."""
    membership = facts.membership_on(service_date)
    if membership is None:
        return Decision(facts.latest_membership(), Refusal.NOT_MEMBER_ON_DATE)
    if membership.employment_status in _NOT_IN_SERVICE:
        return Decision(membership, _NOT_IN_SERVICE[membership.employment_status])  # type: ignore[index]
    if plan is None:
        return Decision(membership, Refusal.NO_PLAN)
    assert membership.joined_date is not None  # active_on() needs it
    if service_date < membership.joined_date + datetime.timedelta(days=plan.waiting_days):
        return Decision(membership, Refusal.WAITING_PERIOD)
    if not facts.has_live_card:
        return Decision(membership, Refusal.NO_LIVE_CARD)
    if not facts.has_medical_link:
        return Decision(membership, Refusal.NO_MEDICAL_LINK)
    if hospital_level not in plan.eligible_levels:
        return Decision(membership, Refusal.LEVEL_NOT_COVERED)
    return Decision(membership, None)
