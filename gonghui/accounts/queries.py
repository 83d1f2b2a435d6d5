import hmac
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from gonghui.accounts.actions import do_stamp_token_used
from gonghui.accounts.models import ApiToken, User
from gonghui.core.models import AuditEvent
from gonghui.core.pii import secret_digest
from gonghui.orgs.models import RoleAssignment
from gonghui.orgs.scope import RANK_MANAGE_STAFF, RANK_READ_AUDIT, is_city_wide, path_q


def staff_in_scope(acting_user: Any) -> QuerySet[User]:
    """Staff holding an active role somewhere in the acting user's subtree (for staff managers)."""
    assignments = RoleAssignment.objects.filter(
        path_q(acting_user, "unit__path", min_rank=RANK_MANAGE_STAFF), revoked_at__isnull=True
    )
    return User.objects.filter(pk__in=assignments.values("user_id"))


def list_staff(*, acting_user: Any, search: str | None = None) -> QuerySet[User]:
    users = staff_in_scope(acting_user).prefetch_related(
        Prefetch(
            "role_assignments",
            queryset=RoleAssignment.objects.filter(revoked_at__isnull=True).select_related("unit"),
            to_attr="active_roles",
        )
    )
    if search:
        users = users.filter(username__icontains=search) | users.filter(display_name__contains=search)
    return users.order_by("username")


def list_role_assignments(*, acting_user: Any, user: User) -> QuerySet[RoleAssignment]:
    """The user's active roles that the acting user can see (roles elsewhere stay hidden)."""
    return (
        RoleAssignment.objects.filter(
            path_q(acting_user, "unit__path", min_rank=RANK_MANAGE_STAFF), user=user, revoked_at__isnull=True
        )
        .select_related("unit", "granted_by")
        .order_by("unit__path", "role")
    )


def list_own_roles(*, user: Any) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.filter(user=user, revoked_at__isnull=True)
        .select_related("unit")
        .order_by("pk")
    )


def find_user_by_token(raw: str) -> User | None:
    """Resolve a bearer token "gh_<prefix>_<secret>" to its active user, or None."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != "gh":
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1], revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    expected = secret_digest(parts[2])
    if not hmac.compare_digest(expected, token.secret_hash):
        return None
    do_stamp_token_used(token=token)
    return token.user


def list_audit_events(
    *, acting_user: Any, event_type: str | None = None, object_type: str | None = None
) -> QuerySet[AuditEvent]:
    """Audit events about objects in the user's subtree, newest first. An event with no place in the
    tree (a refusal by a partner key nobody knows, loading the regions) belongs to the city's view."""
    visible = path_q(acting_user, "unit__path", min_rank=RANK_READ_AUDIT)
    if is_city_wide(acting_user, min_rank=RANK_READ_AUDIT):
        visible |= Q(unit__isnull=True)
    events = AuditEvent.objects.filter(visible).select_related("actor", "acting_unit", "unit")
    if event_type:
        events = events.filter(event_type=event_type)
    if object_type:
        events = events.filter(object_type=object_type)
    return events.order_by("-created_at", "-pk")
