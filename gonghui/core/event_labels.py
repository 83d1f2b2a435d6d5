"""What audit event types and reviewer warnings are called in the console (codes stay in the data)."""

from typing import Any

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
