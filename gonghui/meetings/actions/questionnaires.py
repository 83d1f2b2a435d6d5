"""Questionnaires (versioned) and the responses to them."""

import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from gonghui.core.text import TextKind, clean_text
from gonghui.meetings.actions.errors import (
    MAX_CHOICES,
    MAX_QUESTIONS,
    MAX_TEXT_ANSWER,
    OPEN_STATUSES,
    RANK_COLLECT,
    AnswerInvalid,
    AnswerRequired,
    MeetingNotOpen,
    QuestionnaireInvalid,
    ResponseIdTaken,
    WrongQuestionnaire,
)
from gonghui.meetings.actions.planning import _lock, _require_manager
from gonghui.meetings.models import (
    Answer,
    Meeting,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ResponseChannel,
)
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.scope import rank_at


@dataclass
class QuestionSpec:
    """One question as the builder, the templates and the API describe it. show_if_position is the
    1-based position of an earlier single-choice question; show_if_choice one of its choices."""

    kind: str
    text: str
    choices: list[str] = field(default_factory=list)
    required: bool = False
    show_if_position: int | None = None
    show_if_choice: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "choices": list(self.choices),
            "required": self.required,
            "show_if_position": self.show_if_position,
            "show_if_choice": self.show_if_choice,
        }


def _invalid(message: Any, position: int | None = None) -> QuestionnaireInvalid:
    if position is not None:
        return QuestionnaireInvalid(_("Question %(n)d: %(problem)s") % {"n": position, "problem": message})
    return QuestionnaireInvalid(message)


def clean_questions(questions: list[QuestionSpec]) -> list[QuestionSpec]:
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise _invalid(_("A questionnaire has from 1 to %(max)d questions.") % {"max": MAX_QUESTIONS})
    cleaned: list[QuestionSpec] = []
    for position, spec in enumerate(questions, start=1):
        text = " ".join(spec.text.split())
        if not text or len(text) > 300:
            raise _invalid(_("the question text is required, at most 300 characters."), position)
        if spec.kind not in QuestionKind.values:
            raise _invalid(_("choose the kind of question."), position)
        choices: list[str] = []
        if spec.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            choices = [" ".join(c.split()) for c in spec.choices if c and c.strip()]
            if not 2 <= len(choices) <= MAX_CHOICES or len(set(choices)) != len(choices):
                raise _invalid(_("give from 2 to 20 different choices."), position)
            if any(len(c) > 100 for c in choices):
                raise _invalid(_("a choice is at most 100 characters."), position)
        show_pos, show_choice = spec.show_if_position, " ".join((spec.show_if_choice or "").split())
        if show_pos is not None:
            if not 1 <= show_pos < position or cleaned[show_pos - 1].kind != QuestionKind.SINGLE:
                raise _invalid(_("it can only depend on an earlier single-choice question."), position)
            if show_choice not in cleaned[show_pos - 1].choices:
                raise _invalid(_("the condition must be one of that question's choices."), position)
        else:
            show_choice = ""
        cleaned.append(QuestionSpec(spec.kind, text, choices, bool(spec.required), show_pos, show_choice))
    return cleaned


def _write_questions(version: QuestionnaireVersion, questions: list[QuestionSpec]) -> None:
    created: list[Question] = []
    for position, spec in enumerate(questions, start=1):
        created.append(
            Question.objects.create(
                version=version,
                position=position,
                kind=spec.kind,
                text=spec.text,
                choices=spec.choices,
                required=spec.required,
                show_if_question=created[spec.show_if_position - 1] if spec.show_if_position else None,
                show_if_choice=spec.show_if_choice,
            )
        )


@transaction.atomic(durable=True)
def do_create_questionnaire(
    *,
    acting_user: Any,
    owner: OrgUnit,
    title: str,
    questions: list[QuestionSpec],
    description: str = "",
    template_key: str = "",
    now: datetime.datetime | None = None,
) -> Questionnaire:
    now = now or timezone.now()
    _require_manager(acting_user, owner)
    title = " ".join(title.split())
    if not title or len(title) > 200:
        raise InvalidInput(_("Give the questionnaire a title (at most 200 characters)."), field="title")
    questions = clean_questions(questions)
    questionnaire = Questionnaire.objects.create(
        owner=owner,
        title=title,
        description=description.strip()[:2000],
        template_key=template_key,
        created_at=now,
    )
    version = QuestionnaireVersion.objects.create(questionnaire=questionnaire, number=1, created_at=now)
    _write_questions(version, questions)
    record_event(
        acting_user=acting_user,
        event_type="questionnaire_created",
        obj=questionnaire,
        unit=owner,
        details={"questions": len(questions), "template": template_key},
        now=now,
    )
    return questionnaire


@transaction.atomic(durable=True)
def do_edit_questionnaire(
    *,
    acting_user: Any,
    questionnaire: Questionnaire,
    questions: list[QuestionSpec],
    title: str | None = None,
    description: str | None = None,
    now: datetime.datetime | None = None,
) -> QuestionnaireVersion:
    """New questions for a questionnaire. While nobody has answered the current version it is edited in
    place; once it has answers, the edit becomes a new version, and the answers already given stay
    tied to the questions they answered."""
    now = now or timezone.now()
    questionnaire = Questionnaire.objects.select_for_update().select_related("owner").get(pk=questionnaire.pk)
    _require_manager(acting_user, questionnaire.owner)
    questions = clean_questions(questions)
    if title is not None:
        title = " ".join(title.split())
        if not title or len(title) > 200:
            raise InvalidInput(_("Give the questionnaire a title (at most 200 characters)."), field="title")
        questionnaire.title = title
    if description is not None:
        questionnaire.description = description.strip()[:2000]
    questionnaire.save(update_fields=["title", "description"])
    current = questionnaire.versions.order_by("-number").first()
    assert current is not None  # created with version 1
    if current.responses.exists():
        version = QuestionnaireVersion.objects.create(
            questionnaire=questionnaire, number=current.number + 1, created_at=now
        )
        new_version = True
    else:
        # Dependents first: a question may point at an earlier one of the same version.
        current.questions.filter(show_if_question__isnull=False).delete()
        current.questions.all().delete()
        version, new_version = current, False
    _write_questions(version, questions)
    record_event(
        acting_user=acting_user,
        event_type="questionnaire_edited",
        obj=questionnaire,
        unit=questionnaire.owner,
        changed_fields=["questions", "title", "description"],
        details={"version": version.number, "new_version": new_version},
        now=now,
    )
    return version


def _visible(question: Question, given: dict[int, Any]) -> bool:
    if question.show_if_question_id is None:
        return True
    return given.get(question.show_if_question_id) == question.show_if_choice


def _parse_answer(question: Question, raw: Any) -> Answer | None:
    """The answer to one question, or None when left empty. Raises for a value that is not allowed."""
    field_name = f"q{question.pk}"
    answer = Answer(question=question)
    if question.kind == QuestionKind.MULTIPLE:
        values = raw if isinstance(raw, list) else ([raw] if raw not in (None, "") else [])
        values = [str(v) for v in values if str(v).strip()]
        if not values:
            return None
        if len(set(values)) != len(values) or any(v not in question.choices for v in values):
            raise AnswerInvalid(field=field_name)
        answer.choices = [c for c in question.choices if c in values]
        return answer
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    if question.kind == QuestionKind.SINGLE:
        if text not in question.choices:
            raise AnswerInvalid(field=field_name)
        answer.choices = [text]
    elif question.kind == QuestionKind.TEXT:
        if len(text) > MAX_TEXT_ANSWER:
            raise InvalidInput(_("An answer is at most 2000 characters."), field=field_name)
        # Every channel's answers end here (the survey page, the API, the collector phone's sealed ones).
        answer.text = clean_text(text, TextKind.FREE_TEXT, field=field_name)
    elif question.kind == QuestionKind.NUMBER:
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise InvalidInput(_("Enter a number."), field=field_name) from None
        if not number.is_finite() or abs(number) >= Decimal("1e9"):
            raise InvalidInput(_("Enter a number."), field=field_name)
        answer.number = number.quantize(Decimal("0.01"))
    elif question.kind == QuestionKind.RATING:
        if text not in {"1", "2", "3", "4", "5"}:
            raise AnswerInvalid(field=field_name)
        answer.number = Decimal(text)
    return answer


@transaction.atomic(durable=True)
def do_submit_response(
    *,
    version: QuestionnaireVersion,
    answers: dict[int, Any],
    channel: str,
    meeting: Meeting | None = None,
    acting_user: Any = None,
    client_uuid: uuid.UUID | None = None,
    now: datetime.datetime | None = None,
) -> Response:
    """One filled-in questionnaire. `answers` maps question ids of `version` to the value (a choice, a
    list of choices, text, a number or a rating as text). Hidden questions (show-if not met) are
    dropped; required visible ones must be answered.

    Callers: the worker's phone (SELF_SERVICE, no user), the console and API (CONSOLE). The collector
    app's upload (STAFF_MOBILE with the device user and the record's client_uuid, so a record sent twice
    is stored once) calls store_response inside its batch transaction."""
    now = now or timezone.now()
    if channel not in ResponseChannel.values:
        raise InvalidInput(field="channel")
    if channel != ResponseChannel.SELF_SERVICE:
        unit = meeting.organiser if meeting is not None else version.questionnaire.owner
        if rank_at(acting_user, unit) < RANK_COLLECT:
            raise Forbidden()
    return store_response(
        version=version,
        answers=answers,
        channel=channel,
        meeting=meeting,
        acting_user=acting_user,
        client_uuid=client_uuid,
        now=now,
    )


def store_response(
    *,
    version: QuestionnaireVersion,
    answers: dict[int, Any],
    channel: str,
    meeting: Meeting | None,
    acting_user: Any,
    client_uuid: uuid.UUID | None,
    now: datetime.datetime,
) -> Response:
    """do_submit_response's rules without its permission check and its own transaction, for a caller
    that authorised the writer itself and runs inside its own durable transaction: the collector app's
    batch upload (the device may use the meeting; one transaction per batch). Raises DomainError before
    writing anything, so a caller may answer the record and go on with the next one."""
    actor = acting_user if getattr(acting_user, "pk", None) else None
    if client_uuid is not None:
        existing = Response.objects.filter(client_uuid=client_uuid).first()
        if existing is not None:
            if existing.collected_by_id != (actor.pk if actor else None):
                raise ResponseIdTaken(field="client_uuid")
            return existing
    if meeting is not None:
        meeting = _lock(meeting)
        if meeting.status not in OPEN_STATUSES and channel == ResponseChannel.SELF_SERVICE:
            raise MeetingNotOpen()
        if meeting.questionnaire_id != version.questionnaire_id:
            raise WrongQuestionnaire()
    elif channel == ResponseChannel.SELF_SERVICE:
        raise InvalidInput(field="meeting")
    questions = list(version.questions.order_by("position"))
    known = {q.pk for q in questions}
    if any(key not in known for key in answers):
        raise AnswerInvalid(_("An answer names a question that is not in this questionnaire."))
    given: dict[int, Any] = {}
    parsed: list[Answer] = []
    for question in questions:
        if not _visible(question, given):
            continue
        answer = _parse_answer(question, answers.get(question.pk))
        if answer is None:
            if question.required:
                raise AnswerRequired(field=f"q{question.pk}")
            continue
        if question.kind == QuestionKind.SINGLE:
            given[question.pk] = answer.choices[0]
        parsed.append(answer)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                version=version,
                meeting=meeting,
                channel=channel,
                client_uuid=client_uuid,
                collected_by=actor,
                created_at=now,
            )
    except IntegrityError:
        raise Conflict(_("The same record is being saved right now; try again in a moment.")) from None
    for answer in parsed:
        answer.response = response
    Answer.objects.bulk_create(parsed)
    record_event(
        acting_user=actor,
        event_type="questionnaire_answered",
        obj=response,
        unit=meeting.organiser if meeting is not None else version.questionnaire.owner,
        details={
            "meeting_id": meeting.pk if meeting else None,
            "version": version.number,
            "channel": channel,
        },
        now=now,
    )
    return response
