"""/api/v1/join: self-service enrolment by QR code.

Public (no login; what a worker's phone or a mini-program calls), by the poster's token:
  GET  /{token}              what the poster is for
  POST /{token}/send-code    text a 6-digit code to a number
  POST /{token}/verify       check the code; answers a ticket for the number
  POST /{token}/apply        the collection form plus the ticket -> an application in the union's queue
Staff (session or token): list, create, regenerate and revoke join links.
"""

import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema
from ninja.pagination import paginate

from gonghui.core.api_support import ERRORS, ErrorOut, Id, LabelText, NameText, Pagination
from gonghui.core.errors import InvalidInput
from gonghui.enterprises.models import Worksite
from gonghui.members import access, join, queries
from gonghui.members.actions import EnrolmentData
from gonghui.members.models import EmploymentStatus, JoinLink
from gonghui.orgs.access import access_org_unit

router = Router(tags=["join"])
PUBLIC_ERRORS: dict[int, Any] = {**ERRORS, 429: ErrorOut}


# --- schemas -----------------------------------------------------------------------------------------


class JoinLinkPublicOut(Schema):
    union_name: str
    worksite_name: str | None
    privacy_policy_version: str


class SendCodeIn(Schema):
    phone: str


class SendCodeOut(Schema):
    sent: bool
    expires_in_seconds: int
    resend_after_seconds: int


class VerifyIn(Schema):
    phone: str
    code: str


class VerifyOut(Schema):
    ticket: str
    valid_until: datetime.datetime


class ApplyIn(Schema):
    ticket: str
    name: NameText
    resident_id: str
    phone: str
    ethnicity: LabelText = ""
    education: str = ""
    political_status: str = ""
    hukou_type: str = ""
    is_migrant_worker: bool = False
    employer_name: NameText = ""
    employment_status: str = EmploymentStatus.EMPLOYED
    consent: bool = False


class ApplyOut(Schema):
    outcome: str  # always "received": the public never learns what was on file
    union_name: str


class JoinLinkIn(Schema):
    union_id: Id
    worksite_id: Id | None = None
    label: LabelText = ""


class JoinLinkOut(Schema):
    id: int
    union_id: int
    union_name: str
    worksite_id: int | None
    label: str
    token: str
    url: str
    is_active: bool
    created_at: datetime.datetime
    token_issued_at: datetime.datetime
    revoked_at: datetime.datetime | None

    @staticmethod
    def resolve_union_name(obj: JoinLink) -> str:
        return obj.union.name

    @staticmethod
    def resolve_url(obj: JoinLink) -> str:
        return reverse("join:form", kwargs={"token": obj.token})


# --- staff -------------------------------------------------------------------------------------------
# Registered before the public /{token} routes so that "links" is never taken for a token.


@router.get("/links", response={200: list[JoinLinkOut], **ERRORS})
@paginate(Pagination)
def list_links(request: HttpRequest):  # type: ignore[no-untyped-def]
    return queries.list_join_links(acting_user=request.user)


@router.post("/links", response={201: JoinLinkOut, **ERRORS})
def create_link(request: HttpRequest, payload: JoinLinkIn) -> tuple[int, JoinLink]:
    worksite = None
    if payload.worksite_id is not None:
        worksite = queries.worksites_for_links(request.user).filter(pk=payload.worksite_id).first()
        if worksite is None:
            raise join.WorksiteNotAvailable(field="worksite_id")
    link = join.do_create_join_link(
        acting_user=request.user,
        union=access_org_unit(request.user, payload.union_id),
        worksite=worksite,
        label=payload.label,
    )
    return 201, link


@router.get("/links/{link_id}", response={200: JoinLinkOut, **ERRORS})
def get_link(request: HttpRequest, link_id: int) -> JoinLink:
    return access.access_join_link(request.user, link_id)


@router.post("/links/{link_id}/regenerate", response={200: JoinLinkOut, **ERRORS})
def regenerate_link(request: HttpRequest, link_id: int) -> JoinLink:
    link = access.access_join_link(request.user, link_id)
    return join.do_regenerate_join_link(acting_user=request.user, link=link)


@router.post("/links/{link_id}/revoke", response={200: JoinLinkOut, **ERRORS})
def revoke_link(request: HttpRequest, link_id: int) -> JoinLink:
    link = access.access_join_link(request.user, link_id)
    return join.do_revoke_join_link(acting_user=request.user, link=link)


# --- public ------------------------------------------------------------------------------------------


@router.get("/{token}", auth=None, response={200: JoinLinkPublicOut, **PUBLIC_ERRORS})
def get_public_link(request: HttpRequest, token: str) -> dict[str, Any]:
    link = access.get_active_link(token)
    worksite: Worksite | None = link.worksite
    return {
        "union_name": link.union.name,
        "worksite_name": worksite.name if worksite else None,
        "privacy_policy_version": settings.GONGHUI_PRIVACY_POLICY_VERSION,
    }


@router.post("/{token}/send-code", auth=None, response={202: SendCodeOut, **PUBLIC_ERRORS})
def send_code(request: HttpRequest, token: str, payload: SendCodeIn) -> tuple[int, dict[str, Any]]:
    link = access.get_active_link(token)
    join.check_ip_rate(join.client_ip(request), bucket="send", limit=join.IP_SEND_LIMIT)
    join.do_send_join_code(link=link, phone=payload.phone, address=join.client_ip(request))
    return 202, {
        "sent": True,
        "expires_in_seconds": int(join.CODE_TTL.total_seconds()),
        "resend_after_seconds": int(join.RESEND_INTERVAL.total_seconds()),
    }


@router.post("/{token}/verify", auth=None, response={200: VerifyOut, **PUBLIC_ERRORS})
def verify_code(request: HttpRequest, token: str, payload: VerifyIn) -> dict[str, Any]:
    link = access.get_active_link(token)
    join.check_ip_rate(join.client_ip(request), bucket="check", limit=join.IP_CHECK_LIMIT)
    ticket = join.do_verify_join_code(link=link, phone=payload.phone, code=payload.code)
    return {"ticket": ticket, "valid_until": join.ticket_valid_until(link=link, ticket=ticket)}


@router.post("/{token}/apply", auth=None, response={201: ApplyOut, **PUBLIC_ERRORS})
def apply(request: HttpRequest, token: str, payload: ApplyIn) -> tuple[int, dict[str, Any]]:
    link = access.get_active_link(token)
    join.check_ip_rate(join.client_ip(request), bucket="check", limit=join.IP_CHECK_LIMIT)
    if len(payload.name) > 200 or len(payload.resident_id) > 40:
        raise InvalidInput(field="name" if len(payload.name) > 200 else "resident_id")
    outcome = join.submit_join_application(
        link=link,
        data=EnrolmentData.from_form(payload),
        consent_given=payload.consent,
        ticket=payload.ticket,
    )
    # The same answer whatever happened: whoever types an ID number must not learn whether that person
    # is a member somewhere, has applied before, or is moving union. Reviewers see the details.
    del outcome
    return 201, {"outcome": "received", "union_name": link.union.name}
