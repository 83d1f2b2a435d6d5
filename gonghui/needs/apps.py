from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    """The street coordination committee's 朋友圈: needs posted, claimed by member units, delivered as service events, and counted."""

    name = "gonghui.needs"
    label = "needs"
    verbose_name = "需求与服务"

    def ready(self) -> None:
        from gonghui.core.event_labels import register_event_labels

        register_event_labels(
            {
                "needs_committee_created": _("Coordination committee created"),
                "needs_partner_unit_added": _("Member unit added"),
                "needs_partner_staff_added": _("Member unit login added"),
                "needs_work_type_added": _("Work type added"),
                "needs_deadline_changed": _("Deadline policy changed"),
                "need_posted": _("Need posted"),
                "need_claimed": _("Need claimed"),
                "need_sent_back": _("Need sent back"),
                "need_scheduled": _("Service scheduled"),
                "need_served_recorded": _("People served recorded"),
                "need_closed": _("Need closed"),
                "need_confirmed": _("Requester confirmed"),
                "need_reopened": _("Requester reopened"),
                "need_waiting_on_requester": _("Question to the requester"),
                "need_requester_answered": _("Requester answered"),
                "need_claims_returned": _("Returned to the board unscheduled"),
                "need_served_check_in": _("Worker checked in at the service"),
                "need_photo_added": _("Photo of the service added"),
                "need_served_check_in_repeated": _("Worker checked in again at the service"),
            }
        )
        from gonghui.core.event_labels import register_field_labels

        # The fields this app's actions name in changed_fields, as the audit log shows them.
        register_field_labels(
            {
                "contact_name": _("Contact person"),
                "contact_phone": _("Contact phone"),
                "covers": _("Area covered"),
                "founded_date": _("Founded on"),
                "hours": _("Hours allowed"),
                "sector": _("Sector"),
            }
        )
