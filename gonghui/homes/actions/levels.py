"""A union's application for a Workers' Home level: self-assessment (the union chair) → street
recommendation (street officer) → district on-site check (district officer, on a phone) → city approval
(city administrator), refused at any step with a reason. Each step is held by one role over the union,
and nobody decides on an application they made. Each function: one durable transaction, one audit event.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from gonghui.core.text import TextKind, clean_text
from gonghui.core.uploads import PHOTO, check_upload
from gonghui.homes.models import (
    AwardedLevel,
    AwardReview,
    CheckPhoto,
    ItemScore,
    LevelApplication,
    StandardItem,
    StandardLevel,
    Step,
    StepDecision,
    WorkersHome,
)
from gonghui.homes.roles import STEP_ROLES, holds_step
from gonghui.homes.rules import facility_gate_met, home_facilities, valid_until
from gonghui.orgs.models import Role

MAX_CHECK_PHOTOS = 12


class StepNotYours(Forbidden):
    code = "homes_step_not_yours"
    default_message = _("This step is taken by another role: %(role)s.")


class OwnApplication(Forbidden):
    code = "homes_own_application"
    default_message = _("Nobody decides on an application they made themselves.")


class NotAtStep(Conflict):
    code = "homes_application_not_at_step"
    default_message = _("This application is not waiting for this step (it may have been decided already).")


class LevelAppliedTwice(Conflict):
    code = "homes_level_applied_twice"
    default_message = _("This home already has an open application for %(level)s.")


class LevelAlreadyHeld(Conflict):
    code = "homes_level_already_held"
    default_message = _("This home already holds %(level)s, valid until %(until)s.")


class GateNotMet(InvalidInput):
    code = "homes_gate_not_met"
    default_message = _("A must-hold item is not met: %(item)s.")


class BelowPassMark(InvalidInput):
    code = "homes_below_pass_mark"
    default_message = _("The score %(score)s is below the pass mark %(mark)s of this level.")


class ScoreInvalid(InvalidInput):
    code = "homes_score_invalid"
    default_message = _("Every item must be answered; points are between 0 and the item's points (%(item)s).")


class ReasonRequired(InvalidInput):
    code = "homes_reason_required"
    default_message = _("Give the reason for the refusal.")


@dataclass(frozen=True)
class ItemAnswer:
    """One item of the standard as a person judged it: met or not (gate items), points (scored items)."""

    met: bool = False
    points: int = 0
    note: str = ""


def _check_step(user: Any, application: LevelApplication, step: str) -> None:
    if not holds_step(user, application.home.union, step):
        raise StepNotYours(role=Role(STEP_ROLES[step]).label)
    if application.applied_by_id == getattr(user, "pk", None):
        raise OwnApplication()
    if application.waiting_step != step:
        raise NotAtStep()


def _locked(application: LevelApplication) -> LevelApplication:
    # The row is locked so that two officers deciding at once do not both move it on.
    return (
        LevelApplication.objects.select_for_update()
        .select_related("home__union", "level__standard")
        .get(pk=application.pk)
    )


def _score(
    items: list[StandardItem], answers: dict[int, ItemAnswer], home: WorkersHome, *, field: str
) -> dict[int, ItemAnswer]:
    """Every item answered, points within range; facility gates judged from the home's own facilities
    (a chair cannot tick "has a 母婴室" that the facility list does not show)."""
    facilities = home_facilities(home)
    judged: dict[int, ItemAnswer] = {}
    for item in items:
        answer = answers.get(item.pk)
        if answer is None:
            raise ScoreInvalid(field=field, item=item.text)
        if item.kind == StandardItem.Kind.SCORED:
            points = answer.points
            if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= item.points:
                raise ScoreInvalid(field=field, item=item.text)
            judged[item.pk] = ItemAnswer(met=points > 0, points=points, note=answer.note)
        else:
            met = bool(answer.met)
            if item.facility_type_id is not None and not facility_gate_met(item, facilities):
                met = False
            judged[item.pk] = ItemAnswer(met=met, points=0, note=answer.note)
    return judged


def _passes(level: StandardLevel, items: list[StandardItem], judged: dict[int, ItemAnswer]) -> int:
    for item in items:
        if item.kind == StandardItem.Kind.GATE and not judged[item.pk].met:
            raise GateNotMet(field="scores", item=item.text)
    score = sum(answer.points for answer in judged.values())
    if score < level.pass_mark:
        raise BelowPassMark(field="scores", score=score, mark=level.pass_mark)
    return score


@transaction.atomic(durable=True)
def do_apply_for_level(
    *,
    acting_user: Any,
    home: WorkersHome,
    level: StandardLevel,
    answers: dict[int, ItemAnswer],
    now: datetime.datetime | None = None,
) -> LevelApplication:
    """The union chair's self-assessment, which is the application: it must meet the level on paper."""
    now = now or timezone.now()
    if not holds_step(acting_user, home.union, Step.SELF):
        raise StepNotYours(role=Role.UNION_CHAIR.label)
    # One application at a time per home: the home's row is the lock that makes the check below hold.
    WorkersHome.objects.select_for_update().filter(pk=home.pk).first()
    if LevelApplication.objects.filter(home=home, level=level, status__in=LevelApplication.OPEN).exists():
        raise LevelAppliedTwice(level=level.name)
    held = (
        AwardedLevel.objects.filter(
            home=home,
            level=level,
            status=AwardedLevel.Status.ACTIVE,
            valid_until__gt=timezone.localdate(now),
        )
        .order_by("-valid_until")
        .first()
    )
    if held is not None:
        raise LevelAlreadyHeld(level=level.name, until=held.valid_until.isoformat())
    items = list(level.items.select_related("facility_type").order_by("position", "pk"))
    judged = _score(items, answers, home, field="scores")
    score = _passes(level, items, judged)
    try:
        with transaction.atomic():
            application = LevelApplication.objects.create(
                home=home,
                level=level,
                status=LevelApplication.Status.AT_STREET,
                self_score=score,
                applied_by=acting_user,
                applied_at=now,
                updated_at=now,
            )
    except IntegrityError:
        raise LevelAppliedTwice(level=level.name) from None
    ItemScore.objects.bulk_create(
        ItemScore(
            application=application,
            item=item,
            self_met=judged[item.pk].met,
            self_points=judged[item.pk].points,
        )
        for item in items
    )
    StepDecision.objects.create(
        application=application,
        step=Step.SELF,
        outcome=StepDecision.Outcome.PASSED,
        decided_by=acting_user,
        decided_at=now,
    )
    record_event(
        acting_user=acting_user,
        event_type="home_level_applied",
        obj=application,
        unit=home.union,
        details={"level": level.code, "standard_version": level.standard.version, "self_score": score},
        now=now,
    )
    return application


@transaction.atomic(durable=True)
def do_recommend_application(
    *, acting_user: Any, application: LevelApplication, now: datetime.datetime | None = None
) -> LevelApplication:
    now = now or timezone.now()
    application = _locked(application)
    _check_step(acting_user, application, Step.STREET)
    StepDecision.objects.create(
        application=application,
        step=Step.STREET,
        outcome=StepDecision.Outcome.PASSED,
        decided_by=acting_user,
        decided_at=now,
    )
    application.status = LevelApplication.Status.AT_DISTRICT
    application.updated_at = now
    application.save(update_fields=["status", "updated_at"])
    record_event(
        acting_user=acting_user,
        event_type="home_application_recommended",
        obj=application,
        unit=application.home.union,
        changed_fields=["status"],
        now=now,
    )
    return application


def _store_check(
    application: LevelApplication,
    answers: dict[int, ItemAnswer],
    photos: list[Any],
    acting_user: Any,
    now: datetime.datetime,
) -> tuple[dict[int, ItemAnswer], list[StandardItem]]:
    """The district's checklist, item by item, and its photos (checked before anything is stored)."""
    if len(photos) > MAX_CHECK_PHOTOS:
        raise InvalidInput(_("At most %(count)s photos per check."), field="photos", count=MAX_CHECK_PHOTOS)
    checked_photos = [check_upload(photo, accept=PHOTO, field="photos") for photo in photos]
    items = list(application.level.items.select_related("facility_type").order_by("position", "pk"))
    judged = _score(items, answers, application.home, field="checks")
    scores = {score.item_id: score for score in application.scores.all()}
    for item in items:
        score = scores.get(item.pk) or ItemScore(application=application, item=item)
        score.check_met = judged[item.pk].met
        score.check_points = judged[item.pk].points
        score.check_note = clean_text(judged[item.pk].note, TextKind.LABEL, field="checks")[:300]
        score.save()
    application.check_score = sum(answer.points for answer in judged.values())
    for checked in checked_photos:
        photo = CheckPhoto(
            application=application,
            content_type=checked.content_type,
            sha256=checked.sha256,
            uploaded_by=acting_user,
            uploaded_at=now,
        )
        photo.file.save(
            f"{application.pk}-{checked.sha256[:16]}.{checked.extension}",
            ContentFile(checked.content),
            save=False,
        )
        photo.save()
    return judged, items


@transaction.atomic(durable=True)
def do_record_site_check(
    *,
    acting_user: Any,
    application: LevelApplication,
    answers: dict[int, ItemAnswer],
    photos: list[Any] | None = None,
    now: datetime.datetime | None = None,
) -> LevelApplication:
    """The district officer's on-site check passed: every gate met and the checked score at the pass mark.
    A check that falls short is refused with a reason (do_refuse_application with the same answers)."""
    now = now or timezone.now()
    application = _locked(application)
    _check_step(acting_user, application, Step.DISTRICT)
    judged, items = _store_check(application, answers, photos or [], acting_user, now)
    _passes(application.level, items, judged)
    StepDecision.objects.create(
        application=application,
        step=Step.DISTRICT,
        outcome=StepDecision.Outcome.PASSED,
        decided_by=acting_user,
        decided_at=now,
    )
    application.status = LevelApplication.Status.AT_CITY
    application.updated_at = now
    application.save(update_fields=["status", "updated_at", "check_score"])
    record_event(
        acting_user=acting_user,
        event_type="home_site_check_passed",
        obj=application,
        unit=application.home.union,
        changed_fields=["status", "check_score"],
        details={"check_score": application.check_score, "photos": len(photos or [])},
        now=now,
    )
    return application


@transaction.atomic(durable=True)
def do_approve_application(
    *, acting_user: Any, application: LevelApplication, now: datetime.datetime | None = None
) -> AwardedLevel:
    """The city's approval: the home holds the level from today for the level's years of validity."""
    now = now or timezone.now()
    application = _locked(application)
    _check_step(acting_user, application, Step.CITY)
    StepDecision.objects.create(
        application=application,
        step=Step.CITY,
        outcome=StepDecision.Outcome.PASSED,
        decided_by=acting_user,
        decided_at=now,
    )
    application.status = LevelApplication.Status.APPROVED
    application.updated_at = now
    application.save(update_fields=["status", "updated_at"])
    today = timezone.localdate(now)
    award = AwardedLevel.objects.create(
        home=application.home,
        level=application.level,
        application=application,
        awarded_date=today,
        valid_until=valid_until(today, application.level.validity_years),
        awarded_by=acting_user,
    )
    record_event(
        acting_user=acting_user,
        event_type="home_level_awarded",
        obj=application,
        unit=application.home.union,
        changed_fields=["status"],
        details={"level": application.level.code, "valid_until": award.valid_until.isoformat()},
        now=now,
    )
    return award


@transaction.atomic(durable=True)
def do_refuse_application(
    *,
    acting_user: Any,
    application: LevelApplication,
    reason: str,
    answers: dict[int, ItemAnswer] | None = None,
    photos: list[Any] | None = None,
    now: datetime.datetime | None = None,
) -> LevelApplication:
    """Refuse at the step the application waits for, by that step's role, with a reason the union reads.
    At the district check the filled checklist and photos are kept with the refusal."""
    now = now or timezone.now()
    application = _locked(application)
    step = application.waiting_step
    if step is None:
        raise NotAtStep()
    _check_step(acting_user, application, step)
    reason = clean_text(reason or "", TextKind.FREE_TEXT, field="reason").strip()
    if not reason:
        raise ReasonRequired(field="reason")
    if step == Step.DISTRICT and answers is not None:
        _store_check(application, answers, photos or [], acting_user, now)
    StepDecision.objects.create(
        application=application,
        step=step,
        outcome=StepDecision.Outcome.REFUSED,
        reason=reason[:2000],
        decided_by=acting_user,
        decided_at=now,
    )
    application.status = LevelApplication.Status.REFUSED
    application.updated_at = now
    application.save(update_fields=["status", "updated_at", "check_score"])
    record_event(
        acting_user=acting_user,
        event_type="home_application_refused",
        obj=application,
        unit=application.home.union,
        changed_fields=["status"],
        details={"step": step},
        now=now,
    )
    return application


class ReviewExists(Conflict):
    code = "homes_review_exists"
    default_message = _("This level has already been reviewed for %(year)s.")


class AwardNotActive(Conflict):
    code = "homes_award_not_active"
    default_message = _("This level is no longer held (lowered or expired).")


@transaction.atomic(durable=True)
def do_review_award(
    *,
    acting_user: Any,
    award: AwardedLevel,
    passed: bool,
    note: str = "",
    kind: str = AwardReview.Kind.YEARLY,
    now: datetime.datetime | None = None,
) -> AwardReview:
    """The district's yearly review of a level held, or an upheld complaint (always a failure). A failed
    review lowers the level: the award row stays, marked lowered with the reason, as history."""
    now = now or timezone.now()
    award = AwardedLevel.objects.select_for_update().select_related("home__union", "level").get(pk=award.pk)
    if not holds_step(acting_user, award.home.union, Step.DISTRICT):
        raise StepNotYours(role=Role.DISTRICT_OFFICER.label)
    today = timezone.localdate(now)
    if award.status != AwardedLevel.Status.ACTIVE or award.valid_until <= today:
        raise AwardNotActive()
    if kind not in AwardReview.Kind.values:
        raise InvalidInput(field="kind")
    if kind == AwardReview.Kind.COMPLAINT:
        passed = False
    note = clean_text(note or "", TextKind.FREE_TEXT, field="note").strip()[:2000]
    if not passed and not note:
        raise ReasonRequired(field="note")
    if (
        kind == AwardReview.Kind.YEARLY
        and AwardReview.objects.filter(award=award, kind=kind, year=today.year).exists()
    ):
        raise ReviewExists(year=today.year)
    review = AwardReview.objects.create(
        award=award,
        kind=kind,
        year=today.year,
        passed=passed,
        note=note,
        reviewed_by=acting_user,
        reviewed_at=now,
    )
    if not passed:
        award.status = AwardedLevel.Status.LOWERED
        award.lowered_at = now
        award.lowered_reason = note
        award.save(update_fields=["status", "lowered_at", "lowered_reason"])
    record_event(
        acting_user=acting_user,
        event_type="home_level_reviewed" if passed else "home_level_lowered",
        obj=award.application,
        unit=award.home.union,
        details={"kind": kind, "year": today.year, "level": award.level.code},
        now=now,
    )
    return review
