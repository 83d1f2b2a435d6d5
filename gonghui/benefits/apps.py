from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    """Members' medical mutual aid (二次报销): plans as data, claims from the settlement feed, payouts to the service card."""

    name = "gonghui.benefits"
    label = "benefits"
    verbose_name = "二次报销"

    def ready(self) -> None:
        from gonghui.core.event_labels import register_event_labels

        register_event_labels(
            {
                "benefit_plan_created": _("Benefit plan created"),
                "benefit_plan_updated": _("Benefit plan corrected"),
                "benefit_plan_superseded": _("Benefit plan superseded by a new version"),
                "settlement_feed_uploaded": _("Settlement feed uploaded"),
                "settlement_feed_commit_requested": _("Settlement feed import started"),
                "settlement_rows_imported": _("Settlement rows imported"),
                "manual_claim_created": _("Manual reimbursement claim made"),
                "claim_approved": _("Reimbursement claim approved by a reviewer"),
                "claim_refused": _("Reimbursement claim refused by a reviewer"),
                "payout_batches_created": _("Payout batches sent to the bank"),
                "payout_paid": _("Bank confirmed a payout"),
                "payout_failed": _("Bank reported a failed payout"),
                "payout_result_repeated": _("Bank sent a payout result again"),
            }
        )
