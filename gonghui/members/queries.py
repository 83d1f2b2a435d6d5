from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from gonghui.core.models import AuditEvent
from gonghui.core.pii import blind_index
from gonghui.enterprises.models import Enterprise, Worksite
from gonghui.members.models import JoinLink, Membership, Person, Transfer
from gonghui.members.validators import normalise_resident_id
from gonghui.orgs.models import ROLE_RANK, OrgUnit, Role
from gonghui.orgs.scope import RANK_READ, path_q

# Join links (QR posters) are managed by union chairs and above.
RANK_MANAGE_LINKS = ROLE_RANK[Role.UNION_CHAIR]
MEMBER_UNION_KINDS = (OrgUnit.Kind.GRASSROOTS, OrgUnit.Kind.JOINT)


def memberships_in_scope(acting_user: Any, *, min_rank: int = RANK_READ) -> QuerySet[Membership]:
    return Membership.objects.filter(path_q(acting_user, "union__path", min_rank=min_rank))


def list_review_queue(*, acting_user: Any, union_id: int | None = None) -> QuerySet[Membership]:
    """Pending applications (not transfers, which have their own page), oldest first."""
    queue = (
        memberships_in_scope(acting_user)
        .filter(status=Membership.Status.PENDING, transfer_in__isnull=True)
        .select_related("person", "union", "employer", "worksite", "collected_by")
    )
    if union_id:
        queue = queue.filter(union_id=union_id)
    return queue.order_by("applied_at", "pk")


def search_members(
    *,
    acting_user: Any,
    text: str = "",
    union_id: int | None = None,
    status: str | None = None,
) -> QuerySet[Membership]:
    """By name (contains), or exactly by resident ID or phone through their blind indexes."""
    memberships = memberships_in_scope(acting_user).select_related("person", "union", "employer")
    text = text.strip()
    if text:
        digits = normalise_resident_id(text)
        if len(digits) == 18:
            memberships = memberships.filter(
                person__resident_id_index=blind_index(digits, purpose="resident_id")
            )
        elif digits.isdigit() and len(digits) == 11:
            memberships = memberships.filter(person__phone_index=blind_index(digits, purpose="phone"))
        else:
            memberships = memberships.filter(person__name__contains=text)
    if union_id:
        memberships = memberships.filter(union_id=union_id)
    if status:
        memberships = memberships.filter(status=status)
    return memberships.order_by("-applied_at", "-pk")


def list_transfers(*, acting_user: Any, open_only: bool = False) -> QuerySet[Transfer]:
    """Transfers where either side is in the user's area: both sides see them."""
    transfers = Transfer.objects.filter(
        path_q(acting_user, "from_membership__union__path")
        | path_q(acting_user, "to_membership__union__path")
    ).select_related("person", "from_membership__union", "to_membership__union", "proposed_by")
    if open_only:
        transfers = transfers.filter(status=Transfer.Status.PROPOSED)
    return transfers.order_by("-proposed_at", "-pk")


def get_member_history(*, acting_user: Any, person: Person) -> QuerySet[AuditEvent]:
    """The audit trail of the person's memberships and transfers that lie in the user's area."""
    membership_ids = [str(pk) for pk in person.memberships.values_list("pk", flat=True)]
    transfer_ids = [str(pk) for pk in person.transfers.values_list("pk", flat=True)]
    return (
        AuditEvent.objects.filter(path_q(acting_user, "unit__path"))
        .filter(
            Q(object_type="members.membership", object_id__in=membership_ids)
            | Q(object_type="members.transfer", object_id__in=transfer_ids)
        )
        .select_related("actor", "unit")
        .order_by("created_at", "pk")
    )


def list_person_memberships(*, acting_user: Any, person: Person) -> QuerySet[Membership]:
    return (
        memberships_in_scope(acting_user).filter(person=person).select_related("union").order_by("applied_at")
    )


def links_in_scope(acting_user: Any) -> QuerySet[JoinLink]:
    """Join links of the unions the user may manage them for (union chair and above)."""
    return JoinLink.objects.filter(path_q(acting_user, "union__path", min_rank=RANK_MANAGE_LINKS))


def list_join_links(*, acting_user: Any) -> QuerySet[JoinLink]:
    return (
        links_in_scope(acting_user)
        .select_related("union", "worksite", "created_by", "meeting")
        .order_by("-is_active", "union__path", "-created_at", "-pk")
    )


def unions_for_links(acting_user: Any) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(
        path_q(acting_user, "path", min_rank=RANK_MANAGE_LINKS),
        kind__in=MEMBER_UNION_KINDS,
        status=OrgUnit.Status.ACTIVE,
    ).order_by("path")


def _ancestor_ids(unit: OrgUnit) -> list[int]:
    return [int(part) for part in unit.path.split("/") if part]


def worksites_for_links(acting_user: Any) -> QuerySet[Worksite]:
    """Worksites the user can see, plus those looked after by a federation above one of the user's
    unions: a joint union's chair at a construction site may not see the street's registry, yet the
    poster for that site is theirs to print."""
    above = {pk for unit in unions_for_links(acting_user) for pk in _ancestor_ids(unit)}
    return (
        Worksite.objects.filter(path_q(acting_user, "managing_unit__path") | Q(managing_unit_id__in=above))
        .select_related("managing_unit")
        .order_by("name", "pk")
    )


def union_employer(union: OrgUnit) -> Enterprise | None:
    """The enterprise whose grassroots union this is, when there is exactly one (not a joint union)."""
    enterprises = list(Enterprise.objects.filter(union=union)[:2])
    return enterprises[0] if len(enterprises) == 1 else None


def import_jobs_in_scope(acting_user: Any) -> QuerySet["ImportJob"]:
    """Roster imports into unions where the user may enrol (so officers of one union see its imports)."""
    from gonghui.members.actions import RANK_ENROL
    from gonghui.members.models import ImportJob

    return ImportJob.objects.filter(path_q(acting_user, "union__path", min_rank=RANK_ENROL))


def list_import_jobs(*, acting_user: Any) -> QuerySet["ImportJob"]:
    return import_jobs_in_scope(acting_user).select_related("union", "owner").order_by("-created_at", "-pk")


def list_import_problems(*, acting_user: Any, job: "ImportJob") -> QuerySet["ImportProblem"]:
    from gonghui.members.models import ImportProblem

    # The job was reached through import_jobs_in_scope; its problems are as visible as it is.
    return ImportProblem.objects.filter(job=job, job__in=import_jobs_in_scope(acting_user)).order_by(
        "row", "pk"
    )


def list_export_jobs(*, acting_user: Any) -> QuerySet["ExportJob"]:
    """An export holds personal data under its owner's scope and reveal rights: only the owner sees it."""
    from gonghui.members.models import ExportJob

    if not getattr(acting_user, "is_authenticated", False):
        return ExportJob.objects.none()
    return ExportJob.objects.filter(owner=acting_user).select_related("union").order_by("-created_at", "-pk")


if TYPE_CHECKING:
    from gonghui.members.models import ExportJob, ImportJob, ImportProblem
