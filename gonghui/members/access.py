from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from gonghui.core.access import get_in_scope
from gonghui.core.errors import NotFound
from gonghui.members.models import JoinLink, Membership, Transfer
from gonghui.members.queries import list_join_links, memberships_in_scope
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.scope import path_q


def access_membership(user: Any, membership_id: Any) -> Membership:
    return get_in_scope(
        memberships_in_scope(user).select_related("person", "union", "employer", "worksite"), membership_id
    )


def access_transfer(user: Any, transfer_id: Any) -> Transfer:
    transfers = Transfer.objects.filter(
        path_q(user, "from_membership__union__path") | path_q(user, "to_membership__union__path")
    ).select_related("person", "from_membership__union", "to_membership__union")
    return get_in_scope(transfers, transfer_id)


class JoinLinkNotFound(NotFound):
    code = "join_link_not_found"
    default_message = _("This QR code is no longer valid. Ask the union staff for a new one.")


def access_join_link(user: Any, link_id: Any) -> JoinLink:
    """The link if the user manages its union, else NotFound (not yours == does not exist)."""
    return get_in_scope(list_join_links(acting_user=user), link_id)


def get_active_link(token: str) -> JoinLink:
    """The link a worker's QR code names, if it still works; JoinLinkNotFound otherwise."""
    if not token or len(token) > 64:
        raise JoinLinkNotFound()
    link = (
        JoinLink.objects.filter(token=token, is_active=True, union__status=OrgUnit.Status.ACTIVE)
        .select_related("union", "worksite")
        .first()
    )
    if link is None:
        raise JoinLinkNotFound()
    return link


def access_import_job(user: Any, job_id: Any) -> "ImportJob":
    from gonghui.members.queries import list_import_jobs

    return get_in_scope(list_import_jobs(acting_user=user), job_id)


def access_export_job(user: Any, job_id: Any) -> "ExportJob":
    from gonghui.members.queries import list_export_jobs

    return get_in_scope(list_export_jobs(acting_user=user), job_id)


if TYPE_CHECKING:
    from gonghui.members.models import ExportJob, ImportJob
