"""/api/v1/cards (union officers: create, route, follow status) and /api/v1/partner (the bank's back
office, HMAC-signed: pull routed applications, post outcomes). Protocol: docs/cards.md."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from gonghui.cards import actions, queries
from gonghui.cards.access import access_card_application, access_partner_application
from gonghui.cards.partner import PartnerSignature
from gonghui.cards.schemas import (
    ApplicationStatus,
    ApplicationStatusOut,
    BulkIn,
    BulkOut,
    CreateApplicationIn,
    PartnerApplicationOut,
    RouteIn,
    StatusIn,
    StatusOut,
)
from gonghui.cards.signing import HEADER_KEY
from gonghui.core.access import get_in_scope
from gonghui.core.api_support import ERRORS, Id, Pagination
from gonghui.core.errors import NotFound
from gonghui.members.access import access_membership
from gonghui.orgs.access import access_org_unit

router = Router(tags=["cards"])


class PartnerPage(Schema):
    items: list[PartnerApplicationOut]
    count: int


partner_router = Router(tags=["partner"], auth=PartnerSignature())


@router.get("/applications", response={200: list[ApplicationStatusOut], **ERRORS})
@paginate(Pagination)
def list_applications(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    status: ApplicationStatus | None = None,  # type: ignore[valid-type]
    union_id: Id | None = None,
):
    """Card application status for the members in the officer's subtree."""
    return queries.list_card_applications(acting_user=request.user, status=status, union_id=union_id)


@router.get("/applications/{int:application_id}", response={200: ApplicationStatusOut, **ERRORS})
def get_application(request: HttpRequest, application_id: Id) -> Any:
    return access_card_application(request.user, application_id)


@router.post("/applications", response={201: ApplicationStatusOut, **ERRORS})
def create_application(request: HttpRequest, payload: CreateApplicationIn) -> Any:
    membership = access_membership(request.user, payload.membership_id)
    return 201, actions.do_create_card_application(acting_user=request.user, membership=membership)


@router.post("/applications/bulk", response={200: BulkOut, **ERRORS})
def create_applications_for_union(request: HttpRequest, payload: BulkIn) -> Any:
    union = access_org_unit(request.user, payload.union_id)
    outcome = actions.do_create_card_applications_for_union(acting_user=request.user, union=union)
    return {"created": len(outcome.created), "refused": dict(outcome.refused)}


@router.post("/applications/{int:application_id}/route", response={200: ApplicationStatusOut, **ERRORS})
def route_application(request: HttpRequest, application_id: Id, payload: RouteIn) -> Any:
    application = access_card_application(request.user, application_id)
    branch = get_in_scope(queries.branches_for_routing(request.user), payload.branch_id)
    return actions.do_route_card_application(acting_user=request.user, application=application, branch=branch)


@router.post("/applications/{int:application_id}/cancel", response={200: ApplicationStatusOut, **ERRORS})
def cancel_application(request: HttpRequest, application_id: Id) -> Any:
    application = access_card_application(request.user, application_id)
    return actions.do_cancel_card_application(acting_user=request.user, application=application)


# ---- partner ---------------------------------------------------------------------------------------


def _refused_not_found(request: HttpRequest) -> NotFound:
    # Another branch's application is a security event like a bad signature: logged, then 404.
    actions.do_record_partner_refusal(
        key_id=request.headers.get(HEADER_KEY, ""),
        code=NotFound.code,
        method=request.method or "",
        path=request.path,
        remote_addr=request.META.get("REMOTE_ADDR", ""),
    )
    return NotFound()


def _partner_application(request: HttpRequest, application_id: int) -> Any:
    try:
        return access_partner_application(request.auth, application_id)  # type: ignore[attr-defined]
    except NotFound:
        raise _refused_not_found(request) from None


@partner_router.get("/applications", response={200: PartnerPage, **ERRORS})
def partner_list_applications(
    request: HttpRequest,
    status: ApplicationStatus | None = None,  # type: ignore[valid-type]
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> Any:
    """The branch's applications (default: all in progress; `status=ROUTED` for the ones to open),
    oldest first. Each answer is logged as a disclosure of the listed applications' personal data."""
    key = request.auth  # type: ignore[attr-defined]
    qs = queries.partner_applications(key=key, status=status)
    items = list(qs[offset : offset + limit])
    actions.do_record_partner_disclosure(key=key, application_ids=[a.pk for a in items])
    return {"items": items, "count": qs.count()}


@partner_router.get("/applications/{application_id}", response={200: PartnerApplicationOut, **ERRORS})
def partner_get_application(request: HttpRequest, application_id: Id) -> Any:
    application = _partner_application(request, application_id)
    actions.do_record_partner_disclosure(key=request.auth, application_ids=[application.pk])  # type: ignore[attr-defined]
    return application


@partner_router.post("/applications/{application_id}/status", response={200: StatusOut, **ERRORS})
def partner_post_status(request: HttpRequest, application_id: Id, payload: StatusIn) -> Any:
    """ISSUED (with card_number), ACTIVATED, REJECTED (with reason), MEDICAL_LINKED (with
    medical_account). A retry of an update already made answers 200 with changed=false."""
    application = _partner_application(request, application_id)
    outcome = actions.do_partner_update_status(
        key=request.auth,  # type: ignore[attr-defined]
        application=application,
        update=actions.StatusUpdate(**payload.model_dump()),
        now=timezone.now(),
    )
    return {"application": outcome.application, "changed": outcome.changed}
