"""The object if the user's area holds it, else NotFound (another district's home does not exist)."""

from typing import Any

from gonghui.core.access import get_in_scope
from gonghui.core.errors import Forbidden
from gonghui.homes.actions.homes import RANK_KEEP_HOME
from gonghui.homes.models import (
    Budget,
    CheckPhoto,
    Facility,
    FacilityPhoto,
    FundingApplication,
    FundingDocument,
    LevelApplication,
    WorkersHome,
)
from gonghui.homes.queries import (
    applications_in_scope,
    budgets_in_scope,
    facilities_in_scope,
    funding_in_scope,
    homes_in_scope,
)
from gonghui.orgs.scope import path_q, rank_at


def access_home(user: Any, home_id: Any, *, write: bool = False) -> WorkersHome:
    home = get_in_scope(homes_in_scope(user).select_related("union"), home_id)
    if write and rank_at(user, home.union) < RANK_KEEP_HOME:
        raise Forbidden()
    return home


def access_facility(user: Any, facility_id: Any, *, write: bool = False) -> Facility:
    facility = get_in_scope(facilities_in_scope(user), facility_id)
    if write and rank_at(user, facility.home.union) < RANK_KEEP_HOME:
        raise Forbidden()
    return facility


def access_application(user: Any, application_id: Any) -> LevelApplication:
    return get_in_scope(applications_in_scope(user), application_id)


def access_facility_photo(user: Any, photo_id: Any) -> FacilityPhoto:
    return get_in_scope(FacilityPhoto.objects.filter(path_q(user, "facility__home__union__path")), photo_id)


def access_check_photo(user: Any, photo_id: Any) -> CheckPhoto:
    return get_in_scope(CheckPhoto.objects.filter(path_q(user, "application__home__union__path")), photo_id)


def access_budget(user: Any, budget_id: Any) -> Budget:
    return get_in_scope(budgets_in_scope(user), budget_id)


def access_funding(user: Any, application_id: Any) -> FundingApplication:
    return get_in_scope(funding_in_scope(user), application_id)


def access_funding_document(user: Any, document_id: Any) -> FundingDocument:
    return get_in_scope(
        FundingDocument.objects.filter(path_q(user, "application__home__union__path")), document_id
    )
