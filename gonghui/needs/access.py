"""A committee, need or service event if the user may see it, else NotFound (not yours == not there).
Officers reach what their subtree holds; member-unit staff reach the needs of their unit's committees."""

from typing import Any

from gonghui.core.access import get_in_scope
from gonghui.core.errors import Forbidden, NotFound
from gonghui.needs.actions import RANK_MANAGE_NEEDS, DeadlineClassUnknown, WorkTypeUnknown
from gonghui.needs.models import (
    Committee,
    DeadlineClass,
    Need,
    PartnerUnit,
    ServiceEvent,
    ServicePhoto,
    WorkType,
)
from gonghui.needs.queries import (
    committees_in_scope,
    events_for_partner,
    needs_for_partner,
    needs_in_scope,
    partner_units_in_scope,
    service_events_in_scope,
)
from gonghui.orgs.scope import rank_at

NEED_RELATED = ("committee__union", "work_type", "deadline_class", "worksite", "enterprise", "raised_by")


def access_committee(user: Any, committee_id: Any, *, write: bool = False) -> Committee:
    committee = get_in_scope(committees_in_scope(user).select_related("union"), committee_id)
    if write and rank_at(user, committee.union) < RANK_MANAGE_NEEDS:
        raise Forbidden()
    return committee


def access_partner_unit(user: Any, unit_id: Any) -> PartnerUnit:
    return get_in_scope(partner_units_in_scope(user).select_related("union"), unit_id)


def access_need(user: Any, need_id: Any) -> Need:
    """For officers: a need of a committee in their subtree."""
    return get_in_scope(needs_in_scope(user).select_related(*NEED_RELATED), need_id)


def access_need_for_partner(user: Any, need_id: Any) -> Need:
    """For member-unit staff: a need posted to one of their unit's committees."""
    return get_in_scope(needs_for_partner(user).select_related(*NEED_RELATED), need_id)


def access_need_any(user: Any, need_id: Any) -> Need:
    """The API serves both: an officer's scope first, then the unit's routing."""
    try:
        return access_need(user, need_id)
    except NotFound:
        return access_need_for_partner(user, need_id)


def access_service_event(user: Any, event_id: Any) -> ServiceEvent:
    try:
        return get_in_scope(service_events_in_scope(user).select_related("need"), event_id)
    except NotFound:
        return get_in_scope(events_for_partner(user).select_related("need"), event_id)


def access_work_type(work_type_id: Any, *, field: str = "work_type") -> WorkType:
    """Work types are a shared list; an unknown or retired one is named as such (not a 404)."""
    try:
        return get_in_scope(WorkType.objects.filter(is_active=True), work_type_id)
    except NotFound:
        raise WorkTypeUnknown(field=field) from None


def access_deadline_class(value: Any, *, field: str = "deadline_class") -> DeadlineClass:
    """By code (URGENT, GENERAL …) or id; one that does not exist is a clear 400."""
    found = DeadlineClass.objects.filter(is_active=True, code=str(value)[:32]).first()
    if found is None:
        try:
            found = get_in_scope(DeadlineClass.objects.filter(is_active=True), value)
        except NotFound:
            raise DeadlineClassUnknown(field=field) from None
    return found


def access_service_photo(user: Any, photo_id: Any) -> ServicePhoto:
    try:
        return get_in_scope(ServicePhoto.objects.filter(event__in=service_events_in_scope(user)), photo_id)
    except NotFound:
        return get_in_scope(ServicePhoto.objects.filter(event__in=events_for_partner(user)), photo_id)
