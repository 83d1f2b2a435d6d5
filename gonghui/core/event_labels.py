"""What audit event types and reviewer warnings are called in the console (codes stay in the data)."""

from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "api_token_issued": _("API token issued"),
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
    "login_failed": _("Wrong password"),
    "login_locked": _("Login locked"),
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
    "roster_uploaded": _("Roster uploaded"),
    "roster_commit_requested": _("Roster import started"),
    "roster_rows_imported": _("Roster rows imported"),
    "members_exported": _("Members exported (masked)"),
    "members_exported_revealed": _("Members exported with full personal data"),
}

WARNING_LABELS = {
    "resident_id_area_unknown": _("Area code not known for the birth year"),
    "phone_shared": _("Phone number used by another ID"),
}
FIELD_DIFFERS = _("Differs from the stored %(field)s")

# Django 6.1's label for an empty choice, which its own zh_Hans catalogue does not translate yet; naming
# it here keeps it in ours (LOCALE_PATHS take precedence over Django's catalogues).
BLANK_CHOICE = _("- Select an option -")
