"""What audit event types and reviewer warnings are called in the console (codes stay in the data), and
how one audit event is told to a person: who did it, to what, which fields."""

import re
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "api_token_issued": _("API token issued"),
    "collect_uploads_stored": _("Phone uploads stored"),
    # Written one per record before uploads came in batches (2026-11-24); kept for those audit rows.
    "collect_upload_accepted": _("Phone upload accepted"),
    "collect_upload_rejected": _("Phone upload rejected"),
    "collect_upload_refused": _("Phone upload refused"),
    "collector_device_code_issued": _("Pairing code issued"),
    "collector_device_paired": _("Collector phone paired"),
    "collector_device_registered": _("Collector phone registered"),
    "collector_device_revoked": _("Collector phone revoked"),
    "enrolment_already_member": _("Enrolment: already a member"),
    "enrolment_merged": _("Application merged"),
    "enrolment_replayed": _("Record received again"),
    "enterprise_registered": _("Enterprise registered"),
    "enterprise_updated": _("Enterprise updated"),
    "join_code_rejected": _("Wrong verification code"),
    "join_code_sent": _("Verification code sent"),
    "join_code_verified": _("Phone verified"),
    "join_link_created": _("Join QR code created"),
    "join_link_regenerated": _("Join QR code regenerated"),
    "join_link_revoked": _("Join QR code revoked"),
    "login": _("Signed in"),
    "first_admin_created": _("First city administrator created"),
    "password_changed": _("Password changed"),
    "login_failed": _("Wrong password"),
    # Before logins were held back per address instead of locked (2026-12); kept for those audit rows.
    "login_locked": _("Login locked"),
    "login_delayed": _("Login held back after wrong passwords"),
    "member_enrolled": _("Member enrolled"),
    "membership_approved": _("Application approved"),
    "membership_rejected": _("Application rejected"),
    "memberships_bulk_approved": _("Applications approved in bulk"),
    "org_unit_closed": _("Union closed"),
    "org_unit_created": _("Union created"),
    "org_unit_moved": _("Union moved"),
    "org_unit_renamed": _("Union renamed"),
    "pii_keys_rotated": _("Encryption keys rotated"),
    "pii_revealed": _("Personal data viewed in full"),
    "regions_loaded": _("Regions loaded"),
    "role_granted": _("Role granted"),
    "role_revoked": _("Role revoked"),
    "staff_created": _("Staff login created"),
    "staff_unlocked": _("Login unlocked"),
    "totp_confirmed": _("Authenticator set up"),
    "totp_enrolment_started": _("Authenticator setup started"),
    "totp_verified": _("Second factor passed"),
    "totp_failed": _("Wrong verification code (second factor)"),
    "transfer_approved": _("Transfer approved"),
    "transfer_proposed": _("Transfer proposed"),
    "transfer_rejected": _("Transfer rejected"),
    "worksite_registered": _("Worksite registered"),
    # meetings
    "intent_letter_recorded": _("Letter of intent recorded"),
    "meeting_cancelled": _("Meeting cancelled"),
    "meeting_check_in": _("Meeting check-in"),
    "meeting_check_in_repeated": _("Meeting check-in repeated"),
    "meeting_closed": _("Meeting closed with outcomes"),
    "meeting_codes_regenerated": _("Meeting QR codes regenerated"),
    "meeting_follow_up_done": _("Meeting follow-up done"),
    "meeting_held": _("Meeting held"),
    "meeting_host_link_issued": _("Meeting host link issued"),
    "meeting_memberships_attributed": _("Applications attributed to a meeting"),
    "meeting_planned": _("Meeting planned"),
    "meeting_series_planned": _("Weekly meeting series planned"),
    "meeting_updated": _("Meeting updated"),
    "questionnaire_answered": _("Questionnaire answered"),
    "questionnaire_created": _("Questionnaire created"),
    "questionnaire_edited": _("Questionnaire edited"),
    # Service cards (gonghui.cards)
    "bank_branch_created": _("Bank branch created"),
    "bank_operator_assigned": _("Bank operator tied to a branch"),
    "card_application_called": _("Card: member called up"),
    "card_application_cancelled": _("Card application cancelled"),
    "card_application_created": _("Card application created"),
    "card_application_rejected": _("Card application stopped at the pad"),
    "card_application_routed": _("Card application routed"),
    "card_application_self_service": _("Card applied for by the member"),
    "card_applications_bulk_created": _("Card applications created for a union"),
    "card_authorised": _("Card authorised by fingerprint"),
    "card_batch_loaded": _("Card batch loaded"),
    "card_blank_voided": _("Blank card voided"),
    "card_handed_over": _("Card handed over"),
    "card_id_refused": _("ID card refused"),
    "card_id_verified": _("ID card verified"),
    "card_issued": _("Card issued"),
    "card_medical_linked": _("Medical insurance linked"),
    "card_partner_status": _("Status from the bank"),
    "card_partner_status_repeated": _("Status from the bank repeated"),
    "card_reported_lost": _("Card reported lost"),
    "card_stock_created": _("Card box created"),
    "card_self_code_rejected": _("Card self-service: wrong code"),
    "card_self_code_sent": _("Card self-service: code sent"),
    "card_self_code_verified": _("Card self-service: phone verified"),
    "cards_cancelled_membership_ended": _("Cards cancelled: membership ended"),
    "partner_applications_disclosed": _("Applicants' data handed to the bank"),
    "partner_key_issued": _("Partner key issued"),
    "partner_key_revoked": _("Partner key revoked"),
    "partner_request_refused": _("Partner request refused"),
    "roster_uploaded": _("Roster uploaded"),
    "roster_commit_requested": _("Roster import started"),
    "roster_rows_imported": _("Roster rows imported"),
    "members_exported": _("Members exported (masked)"),
    "members_exported_revealed": _("Members exported with full personal data"),
}


def register_event_labels(labels: dict[str, Any]) -> None:
    """An app above core adds the labels of the event types it writes (from its AppConfig.ready()), so core
    keeps importing no app and the audit log still names every event in Chinese."""
    clashes = {code for code, label in labels.items() if code in EVENT_LABELS and EVENT_LABELS[code] != label}
    if clashes:
        raise ValueError(f"event types labelled twice: {sorted(clashes)}")
    EVENT_LABELS.update(labels)


WARNING_LABELS = {
    "resident_id_area_unknown": _("Area code not known for the birth year"),
    "phone_shared": _("Phone number used by another ID"),
}
FIELD_DIFFERS = _("Differs from the stored %(field)s")

# Django 6.1's label for an empty choice, which its own zh_Hans catalogue does not translate yet; naming
# it here keeps it in ours (LOCALE_PATHS take precedence over Django's catalogues).
BLANK_CHOICE = _("- Select an option -")


# What an audited object is called (AuditEvent.object_type, the model's label). The stored object_label is
# the object's __str__, written for support ("check-in #4 of meeting #1"), so pages name the kind in
# Chinese and keep only the name part of that label (a person's, a union's, a meeting's).
OBJECT_LABELS: dict[str, Any] = {
    "accounts.user": _("Login"),
    "accounts.apitoken": _("API token"),
    "accounts.loginthrottle": _("Login attempts"),
    "cards.bankbranch": _("Bank branch"),
    "cards.branchoperator": _("Bank operator"),
    "cards.card": _("Service card"),
    "cards.cardapplication": _("Card application"),
    "cards.cardblank": _("Blank card"),
    "cards.cardstock": _("Card box"),
    "cards.partnerkey": _("Partner key"),
    "collect.collectordevice": _("Collector phone"),
    "collect.deviceupload": _("Phone upload"),
    "core.phonecode": _("SMS verification code"),
    "enterprises.enterprise": _("Enterprise"),
    "enterprises.intentletter": _("Letter of intent"),
    "enterprises.worksite": _("Worksite"),
    "meetings.checkin": _("Meeting check-in"),
    "meetings.followup": _("Meeting follow-up"),
    "meetings.meeting": _("Meeting"),
    "meetings.meetingseries": _("Meeting series"),
    "meetings.questionnaire": _("Questionnaire"),
    "meetings.questionnaireversion": _("Questionnaire version"),
    "meetings.response": _("Questionnaire response"),
    "members.exportjob": _("Member export"),
    "members.importjob": _("Roster import"),
    "members.joinlink": _("Join QR code"),
    "members.membership": _("Membership"),
    "members.person": _("Person"),
    "members.transfer": _("Transfer"),
    "orgs.orgunit": _("Union"),
    "orgs.region": _("Region"),
    "orgs.roleassignment": _("Role"),
}

# Names an action writes into changed_fields that are not a field of the object's model (relations
# touched, or a form's names), and model fields whose verbose_name was never given.
FIELD_LABELS: dict[str, Any] = {
    "activated_at": _("Activated at"),
    "address": _("Address"),
    "api_tokens": _("API tokens"),
    "area_m2": _("Area (m²)"),
    "attempts": _("Tries"),
    "authorised_at": _("Authorised at"),
    "called_at": _("Called up at"),
    "card_box": _("Card box"),
    "branch": _("Bank branch"),
    "check_score": _("On-site check score"),
    "code": _("Code"),
    "completed_at": _("Completed at"),
    "consent": _("Consent"),
    "consents": _("Consents"),
    "contractor": _("Main contractor"),
    "description": _("Description"),
    "display_name": _("Name"),
    "done_at": _("Done at"),
    "education": _("Education"),
    "employer": _("Employer"),
    "equipment": _("Equipment"),
    "employer_name": _("Employer"),
    "employment_status": _("Employment status"),
    "ethnicity": _("Ethnic group"),
    "facility_type": _("Facility type"),
    "follow_ups": _("Follow-ups"),
    "gender": _("Gender"),
    "held_at": _("Held at"),
    "host_token_digest": _("Host link"),
    "hukou_type": _("Household registration"),
    "id_verified_at": _("ID card verified at"),
    "is_active": _("Active"),
    "issued_at": _("Issued at"),
    "is_migrant_worker": _("Migrant worker"),
    "joined_date": _("Joined on"),
    "kind": _("Kind"),
    "label": _("Label"),
    "last_login": _("Last sign-in"),
    "locked_until": _("Locked until"),
    "managing_unit": _("Managing union"),
    "medical_account": _("Medical insurance account"),
    "meeting": _("Meeting"),
    "members": _("Members"),
    "name": _("Name"),
    "opening_hours": _("Opening hours"),
    "paired_at": _("Paired at"),
    "pairing_expires_at": _("Pairing code expiry"),
    "pairing_token_hash": _("Pairing code"),
    "parent": _("Parent union"),
    "password": _("Password"),
    "path": _("Place in the union tree"),
    "phone": _("Mobile phone"),
    "political_status": _("Political status"),
    "public_key": _("Device key"),
    "public_token": _("QR code"),
    "questions": _("Questions"),
    "region": _("Region"),
    "reject_reason": _("Reason stopped"),
    "rejected_at": _("Stopped at"),
    "rejection_reason": _("Reason for rejecting"),
    "resident_id": _("Resident ID number"),
    "revoked_at": _("Revoked at"),
    "revoked_by": _("Revoked by"),
    "role": _("Role"),
    "role_assignments": _("Roles"),
    "scan": _("Scan"),
    "signatory_name": _("Signatory"),
    "signed_date": _("Signed on"),
    "status": _("Status"),
    "street": _("Street"),
    "target_enterprises": _("Enterprises invited"),
    "title": _("Title"),
    "token": _("QR code"),
    "totp_device": _("Authenticator"),
    "union": _("Union"),
    "unit": _("Union"),
    "user": _("Login"),
    "username": _("Login name"),
    "verified_at": _("Verified at"),
    "warnings": _("Warnings"),
    "work_types": _("Kinds of work"),
    "worksite": _("Worksite"),
}


def register_field_labels(labels: dict[str, Any]) -> None:
    """An app above core names the fields its actions write into changed_fields (from AppConfig.ready()),
    as register_event_labels does for event types: the audit log shows no field by its code."""
    clashes = {name for name, label in labels.items() if name in FIELD_LABELS and FIELD_LABELS[name] != label}
    if clashes:
        raise ValueError(f"fields labelled twice: {sorted(clashes)}")
    FIELD_LABELS.update(labels)


# Events written with no acting user come from one of three places; these say which (the event's type
# or its details tell, so no column is needed): the worker's own phone, the host's link, a partner bank.
WORKER_EVENT_TYPES = {
    "card_application_self_service",
    "card_self_code_rejected",
    "card_self_code_sent",
    "card_self_code_verified",
    "join_code_rejected",
    "join_code_sent",
    "join_code_verified",
}
WORKER_CHANNELS = {"SELF_SERVICE", "SELF"}
COLLECTOR_CHANNELS = {"STAFF_MOBILE"}

ACTOR_WORKER = _("The worker (own phone)")
ACTOR_HOST_LINK = _("Meeting host link")
ACTOR_PARTNER = _("Bank back office (partner API)")
ACTOR_SYSTEM = _("System")
ACTOR_ON_COLLECTOR_PHONE = _("%(name)s (collector phone)")

# A name part of a stored object label: up to the first full-width bracket or " @ ", and only if it holds
# a Chinese character (otherwise it is an English support label such as "card application #3 ROUTED").
_NAME_PART = re.compile(r"^(.+?)(?:（| @ |$)")
_SUPPORT_PREFIX = re.compile(r"^[A-Za-z][A-Za-z -]*#\d+\s*")
_HAN = re.compile(r"[\u3400-\u9fff]")


def describe_actor(event: Any) -> str:
    """Who did it, for every kind of actor an action can record: a staff login (on a collector phone or
    not), the worker's own phone, a meeting's host link, the partner bank's back office, or the system
    (commands and jobs that act for nobody)."""
    details = event.details if isinstance(event.details, dict) else {}
    channel = details.get("channel") or details.get("source")
    if event.actor_id is not None:
        actor = event.actor
        name = actor.display_name or actor.username
        if channel in COLLECTOR_CHANNELS or event.event_type.startswith("collect_"):
            return gettext(str(ACTOR_ON_COLLECTOR_PHONE)) % {"name": name}
        return str(name)
    if "key_id" in details:
        return str(ACTOR_PARTNER)
    if channel == "HOST":
        return str(ACTOR_HOST_LINK)
    if channel in WORKER_CHANNELS or event.event_type in WORKER_EVENT_TYPES or "link_id" in details:
        return str(ACTOR_WORKER)
    return str(ACTOR_SYSTEM)


def describe_object(event: Any) -> str:
    """The audited object's kind in Chinese, with its name when the stored label has one, else its id."""
    if not event.object_type:
        return "—"
    kind = OBJECT_LABELS.get(event.object_type)
    kind_text = str(kind) if kind is not None else event.object_type
    # "card box #3 潞城支行一号箱": the English kind and id before a name are the support label's, not a name.
    label = _SUPPORT_PREFIX.sub("", event.object_label or "")
    match = _NAME_PART.match(label)
    name = match.group(1).strip() if match else ""
    if name and _HAN.search(name):
        return f"{kind_text}：{name}"
    return f"{kind_text} #{event.object_id}" if event.object_id else kind_text


def describe_field(object_type: str, name: str) -> str:
    """A changed field's name in Chinese: ours first, then the model field's own (translated) name."""
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    try:
        field = apps.get_model(object_type)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return name
    verbose = getattr(field, "verbose_name", name)
    return gettext(str(verbose))
