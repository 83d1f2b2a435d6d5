"""The card actions' domain errors, and the reason codes of a rejected application."""

from django.utils.translation import gettext_lazy as _

from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound


class RejectReason:
    """Reason codes for REJECTED (stable: the bank posts them, reports count them)."""

    ID_MISMATCH = "id_mismatch"
    ID_EXPIRED = "id_expired"
    MEMBER_ABSENT = "member_absent"
    BANK_DECLINED = "bank_declined"
    DUPLICATE_ACCOUNT = "duplicate_account"
    OTHER = "other"

    LABELS = {
        ID_MISMATCH: _("The ID card read does not match the application"),
        ID_EXPIRED: _("The ID card has expired"),
        MEMBER_ABSENT: _("The member did not come"),
        BANK_DECLINED: _("Declined by the bank"),
        DUPLICATE_ACCOUNT: _("The member already holds such a card at the bank"),
        OTHER: _("Other reason"),
    }


class NotEligible(InvalidInput):
    code = "not_eligible"
    default_message = _("This member cannot apply for a card.")


class NotActive(NotEligible):
    code = "not_active_member"
    default_message = _("Only active members can apply for a card; this membership is not active.")


class NotInService(NotEligible):
    code = "not_in_service"
    default_message = _("The card is for members in service; this member is recorded as not employed.")


class RetiredNotEligible(NotEligible):
    code = "retired"
    default_message = _("The card is not issued to retired members.")


class TemporaryNotEligible(NotEligible):
    code = "temporary_staff"
    default_message = _("The card is not issued to temporary staff.")


class NoConsent(NotEligible):
    code = "no_consent"
    default_message = _(
        "The member has not consented to their data being handed to the bank; record the consent first."
    )


class ApplicationOpen(Conflict):
    code = "application_open"
    default_message = _("This member already has a card application in progress.")


class AlreadyHasCard(Conflict):
    code = "card_held"
    default_message = _("This member already holds a live card; report it lost to get a replacement.")


class IllegalTransition(Conflict):
    code = "illegal_transition"
    default_message = _("The application is “%(status)s” and cannot go to “%(target)s”.")


class NoBranch(InvalidInput):
    code = "no_branch"
    default_message = _("No bank branch serves this union yet; route the application by hand.")


class BranchNotServing(InvalidInput):
    code = "branch_not_serving"
    default_message = _("That branch is not active.")


class ReasonInvalid(InvalidInput):
    code = "reason_invalid"
    default_message = _("Choose one of the listed reasons.")


class IdCardMismatch(InvalidInput):
    code = RejectReason.ID_MISMATCH
    default_message = _("The ID card does not match the application (%(fields)s): the card cannot be issued.")


class IdCardExpired(InvalidInput):
    code = RejectReason.ID_EXPIRED
    default_message = _("The ID card expired on %(date)s: the card cannot be issued.")


class IdCardReadInvalid(InvalidInput):
    code = "id_read_invalid"
    default_message = _("The reader sent an incomplete reading; place the ID card on the reader again.")


class FingerprintInvalid(Forbidden):
    code = "fingerprint_invalid"
    default_message = _(
        "The authorisation was not confirmed by this branch's fingerprint device; authorise again."
    )


class FingerprintStale(Forbidden):
    code = "fingerprint_stale"
    default_message = _("The fingerprint confirmation is older than five minutes; authorise again.")


class CardBoxEmpty(Conflict):
    code = "card_box_empty"
    default_message = _("The branch's card box is empty: load a new batch of cards.")


class CardNumberInvalid(InvalidInput):
    code = "card_number_invalid"
    default_message = _("Card number %(number)s is not valid for this bank (%(problem)s).")


class CardNumberTaken(Conflict):
    code = "card_number_taken"
    default_message = _("A card with this number has already been loaded or issued.")


class BatchEmpty(InvalidInput):
    code = "batch_empty"
    default_message = _("Enter at least one card number, one per line.")


class BatchTooLarge(InvalidInput):
    code = "batch_too_large"
    default_message = _("At most %(n)d card numbers can be loaded at once.")


class BlankNotFree(Conflict):
    code = "blank_not_free"
    default_message = _("This card is no longer in the box.")


class MedicalAccountInvalid(InvalidInput):
    code = "medical_account_invalid"
    default_message = _("Enter the medical-insurance account number (6 to 32 letters or digits).")


class CardNotLive(Conflict):
    code = "card_not_live"
    default_message = _("This card is no longer in use.")


class NotAnOperator(NotFound):
    code = "not_an_operator"
    default_message = _("Your login is not tied to a bank branch; ask the union to link it.")


class CalledElsewhere(Conflict):
    code = "called_elsewhere"
    default_message = _("Another pad has already called up this member.")


class StatusUpdateConflict(Conflict):
    code = "status_conflict"
    default_message = _("The application already has a different outcome: %(detail)s.")


class PartnerNonceReused(Forbidden):
    code = "partner_nonce_reused"
    default_message = _("This request was already received (its nonce was used); sign a new one to retry.")
