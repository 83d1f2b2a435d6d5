"""The meeting, questionnaire or letter if the user's area holds it, else NotFound (not yours == not
there). Public pages find a meeting by the token printed on its poster or by its host link."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from gonghui.core.access import get_in_scope
from gonghui.core.errors import Forbidden, NotFound
from gonghui.core.pii import secret_digest
from gonghui.enterprises.models import IntentLetter
from gonghui.enterprises.queries import enterprises_in_scope
from gonghui.meetings.actions import OPEN_STATUSES, RANK_MANAGE_MEETINGS
from gonghui.meetings.models import FollowUp, Meeting, Questionnaire, QuestionnaireVersion
from gonghui.meetings.queries import meetings_in_scope, questionnaires_in_scope
from gonghui.orgs.scope import rank_at


class MeetingLinkNotFound(NotFound):
    code = "meeting_link_not_found"
    default_message = _("This code is no longer valid, or the meeting is over. Ask the union staff.")


def access_meeting(user: Any, meeting_id: Any, *, write: bool = False) -> Meeting:
    meeting = get_in_scope(
        meetings_in_scope(user).select_related(
            "organiser", "enterprise", "worksite", "questionnaire", "series", "card_branch"
        ),
        meeting_id,
    )
    if write and rank_at(user, meeting.organiser) < RANK_MANAGE_MEETINGS:
        raise Forbidden()
    return meeting


def access_follow_up(user: Any, follow_up_id: Any) -> FollowUp:
    return get_in_scope(
        FollowUp.objects.filter(meeting__in=meetings_in_scope(user)).select_related("meeting"), follow_up_id
    )


def access_questionnaire(user: Any, questionnaire_id: Any, *, write: bool = False) -> Questionnaire:
    questionnaire = get_in_scope(questionnaires_in_scope(user).select_related("owner"), questionnaire_id)
    if write and rank_at(user, questionnaire.owner) < RANK_MANAGE_MEETINGS:
        raise Forbidden()
    return questionnaire


def access_version(user: Any, questionnaire: Questionnaire, number: Any) -> QuestionnaireVersion:
    try:
        value = int(number)
    except (TypeError, ValueError):
        raise NotFound() from None
    version = questionnaire.versions.filter(number=value).first() if 0 < value < 100_000 else None
    if version is None:
        raise NotFound()
    return version


def access_intent_letter(user: Any, letter_id: Any) -> IntentLetter:
    return get_in_scope(
        IntentLetter.objects.filter(enterprise__in=enterprises_in_scope(user)).select_related("enterprise"),
        letter_id,
    )


def meeting_by_public_token(token: str) -> Meeting:
    """The meeting a poster's QR code names, while it takes check-ins and answers."""
    if not token or len(token) > 64:
        raise MeetingLinkNotFound()
    meeting = (
        Meeting.objects.filter(public_token=token, status__in=OPEN_STATUSES)
        .select_related("organiser", "enterprise", "worksite", "questionnaire")
        .first()
    )
    if meeting is None:
        raise MeetingLinkNotFound()
    return meeting


def meeting_by_host_token(token: str) -> Meeting:
    """The meeting a host link opens; a regenerated link's old token, or a closed meeting's, is gone."""
    if not token or len(token) > 100:
        raise MeetingLinkNotFound()
    meeting = (
        Meeting.objects.filter(host_token_digest=secret_digest(token), status__in=OPEN_STATUSES)
        .select_related("organiser", "enterprise", "worksite")
        .first()
    )
    if meeting is None:
        raise MeetingLinkNotFound()
    return meeting
