"""What the reader's codes are called on a page (the codes stay in the API body for support)."""

from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {"id_card_read": _("ID card read from a photo")}

FIELD_LABELS = {
    "name": _("Name"),
    "sex": _("Sex"),
    "ethnicity": _("Ethnic group"),
    "birth_date": _("Date of birth"),
    "address": _("Address"),
    "resident_id": _("Resident ID number"),
    "authority": _("Issuing authority"),
    "valid_from": _("Valid from"),
    "valid_until": _("Valid until"),
}

PROBLEM_LABELS = {
    "not_found": _("Not found in the photo: type it."),
    "low_confidence": _("Not read clearly: check it against the card."),
    "id_checksum": _(
        "The check digit does not match: a digit was misread. Check the number against the card."
    ),
    "birth_date_differs": _(
        "The printed date of birth reads differently from the one in the ID number: check the card."
    ),
    "sex_differs": _("The printed sex reads differently from the one in the ID number: check the card."),
    "unreadable_date": _("The dates could not be read: check them against the card."),
}
