from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomesConfig(AppConfig):
    """Workers' Homes: facilities, versioned standards and levels that are checked and expire, and the building subsidies that fund them."""

    name = "gonghui.homes"
    label = "homes"
    verbose_name = "职工之家"

    def ready(self) -> None:
        from gonghui.core.event_labels import register_event_labels

        register_event_labels(
            {
                "workers_home_opened": _("Workers' Home opened"),
                "facility_added": _("Workers' Home facility added"),
                "facility_updated": _("Workers' Home facility updated"),
                "facility_photo_added": _("Facility photo added"),
                "facility_usage_recorded": _("Facility visits recorded"),
                "facility_type_created": _("Facility type added"),
                "homes_standard_published": _("Workers' Home standard published"),
                "home_level_applied": _("Workers' Home level applied for"),
                "home_application_recommended": _("Level application recommended by the street"),
                "home_site_check_passed": _("On-site check passed"),
                "home_level_awarded": _("Workers' Home level awarded"),
                "home_application_refused": _("Level application refused"),
                "home_level_reviewed": _("Workers' Home level reviewed"),
                "home_level_lowered": _("Workers' Home level lowered"),
                "homes_budget_set": _("Building subsidy budget set"),
                "homes_funding_applied": _("Building subsidy applied for"),
                "homes_funding_approved": _("Building subsidy granted"),
                "homes_funding_refused": _("Building subsidy refused"),
                "homes_funded_work_accepted": _("Funded work accepted"),
                "homes_funding_disbursed": _("Building subsidy instalment paid"),
                "homes_spending_reported": _("Spending report with receipts"),
            }
        )
        from gonghui.core.event_labels import register_field_labels

        # The fields this app's actions name in changed_fields, as the audit log shows them.
        register_field_labels(
            {
                "accepted_at": _("Accepted at"),
                "amount_granted_fen": _("Amount granted (fen)"),
                "budget": _("Budget"),
                "total_fen": _("Total (fen)"),
                "refusal_reason": _("Reason for refusal"),
            }
        )
