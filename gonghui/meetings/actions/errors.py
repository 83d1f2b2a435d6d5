"""The meeting actions' limits, the roles they need, and their domain errors."""

from django.utils.translation import gettext_lazy as _

from gonghui.core.errors import Conflict, InvalidInput
from gonghui.meetings.models import Meeting
from gonghui.orgs.models import ROLE_RANK, Role

# Meetings are held by union chairs and up (a grassroots union holds its own worker meetings).
RANK_MANAGE_MEETINGS = ROLE_RANK[Role.UNION_CHAIR]
# A collector may enter questionnaire answers and check-ins for a meeting in their area.
RANK_COLLECT = ROLE_RANK[Role.COLLECTOR]
MAX_SERIES = 52
MAX_QUESTIONS = 50
MAX_CHOICES = 20
MAX_TEXT_ANSWER = 2000
MAX_HEAD_COUNT = 500
OPEN_STATUSES = (Meeting.Status.PLANNED, Meeting.Status.HELD)


class MeetingTimes(InvalidInput):
    code = "meeting_times"
    default_message = _("The meeting must end after it starts, on the same or the next day.")


class MeetingPlaceRequired(InvalidInput):
    code = "meeting_place_required"
    default_message = _("Say where the meeting takes place: the enterprise, the worksite or the address.")


class EnterpriseMeetingNeedsEnterprise(InvalidInput):
    code = "meeting_enterprise_required"
    default_message = _("An enterprise communication meeting is held with an enterprise: choose it.")


class MeetingNotEditable(Conflict):
    code = "meeting_not_editable"
    default_message = _("A closed or cancelled meeting can no longer be changed.")


class MeetingNotPlanned(Conflict):
    code = "meeting_not_planned"
    default_message = _("Only a planned meeting can be marked as held or cancelled.")


class MeetingNotHeld(Conflict):
    code = "meeting_not_held"
    default_message = _("Mark the meeting as held before closing it with its outcomes.")


class MeetingNotOpen(Conflict):
    code = "meeting_not_open"
    default_message = _("This meeting is closed; check-ins and answers are no longer taken.")


class SeriesLength(InvalidInput):
    code = "meeting_series_length"
    default_message = _("A series has between 2 and %(max)d meetings.")


class NotInSeries(InvalidInput):
    code = "meeting_not_in_series"
    default_message = _("This meeting is not part of a series.")


class FollowUpInvalid(InvalidInput):
    code = "meeting_follow_up_invalid"
    default_message = _("Each follow-up needs what is to be done, who does it and by when.")


class CheckInNameRequired(InvalidInput):
    code = "check_in_name_required"
    default_message = _("Enter your name, or check in without details.")


class HeadCountInvalid(InvalidInput):
    code = "check_in_head_count"
    default_message = _("The head count is a whole number from 1 to %(max)d.")


class QuestionnaireInvalid(InvalidInput):
    code = "questionnaire_invalid"
    default_message = _("The questionnaire is not valid.")


class AnswerRequired(InvalidInput):
    code = "answer_required"
    default_message = _("Please answer this question.")


class AnswerInvalid(InvalidInput):
    code = "answer_invalid"
    default_message = _("This answer is not one of the choices or not in the allowed range.")


class WrongQuestionnaire(InvalidInput):
    code = "response_wrong_questionnaire"
    default_message = _("This questionnaire is not the one used at this meeting.")


class ResponseIdTaken(Conflict):
    code = "response_id_taken"
    default_message = _("This record id has already been used; send the record with a new id.")


class CardBranchNotActive(InvalidInput):
    code = "meeting_card_branch_inactive"
    default_message = _("That bank branch no longer issues cards; choose an active one.")
