"""The funnel counts what the records say, exactly: a known meeting, every number checked."""

import datetime

from stdnum.cn import ric

from gonghui.cards.actions import do_create_card_application, do_issue_card, do_report_card_lost
from gonghui.cards.models import Card
from gonghui.cards.tests.helpers import walk_to_authorised
from gonghui.enterprises.actions import do_record_intent_letter
from gonghui.meetings import actions, queries
from gonghui.meetings.actions import MeetingOutcome
from gonghui.meetings.models import CheckIn, ResponseChannel
from gonghui.meetings.tests.conftest import START, plan_enterprise_meeting, plan_worker_meeting, worker_survey
from gonghui.members.actions import (
    EnrolmentData,
    do_approve_membership,
    do_enrol_member,
    do_reject_membership,
)
from gonghui.members.join import do_create_join_link
from gonghui.members.models import Channel, Membership


def _rid(n: int) -> str:
    """Valid fictional IDs: 通州's area code, born 1999, checksummed."""
    body = f"11011219990101{n:03d}"
    return body + ric.calc_check_digit(body + "0")


def _issue_application(operator, application):
    """The pad's steps as the pad posts them (simulated reader and fingerprint device)."""
    application = walk_to_authorised(application, operator)
    return do_issue_card(acting_user=operator, application=application)


def _issue(personas, membership):
    application = do_create_card_application(acting_user=personas.chair, membership=membership)
    return _issue_application(personas.bank_operator, application)


def _counts(funnel):
    return {s.key: s.count for s in funnel.people + funnel.enterprises}


def test_a_worker_meetings_funnel_counts_every_record_exactly(personas):
    questionnaire = worker_survey(personas)
    meeting = plan_worker_meeting(personas, questionnaire=questionnaire)
    other = plan_worker_meeting(
        personas,
        title="另一场",
        starts_at=START + datetime.timedelta(days=7),
        ends_at=START + datetime.timedelta(days=7, hours=2),
    )
    union = personas.unit("BJ-TZ-YS-YR")
    # Check-ins: 3 named on their own phones (one scans twice), an anonymous head count of 5 at the desk.
    for i in range(3):
        actions.do_check_in(
            meeting=meeting, source=CheckIn.Source.SELF, name=f"职工{i}", phone=f"1391234000{i}"
        )
    actions.do_check_in(meeting=meeting, source=CheckIn.Source.SELF, name="职工0", phone="13912340000")
    actions.do_check_in(meeting=meeting, source=CheckIn.Source.HOST, head_count=5)
    actions.do_check_in(meeting=other, source=CheckIn.Source.HOST, head_count=50)
    # Questionnaires: 4 answered at this meeting.
    version = queries.current_version(questionnaire)
    q = {x.position: x for x in queries.version_questions(version)}
    for _ in range(4):
        actions.do_submit_response(
            version=version,
            meeting=meeting,
            channel=ResponseChannel.SELF_SERVICE,
            answers={q[1].pk: "是", q[3].pk: ["技能培训"], q[6].pk: "5"},
        )
    # Applications: 4 through the meeting's join poster (self-service), 1 entered by the chair for it;
    # one more applicant joins the same day without the meeting's link (not counted).
    link = do_create_join_link(acting_user=personas.chair, union=union, meeting=meeting)
    outcomes = []
    for i in range(4):
        outcomes.append(
            do_enrol_member(
                acting_user=None,
                union=union,
                data=EnrolmentData(name=f"申请人{i}", resident_id=_rid(i), meeting=link.meeting),
                channel=Channel.SELF_SERVICE,
                consent_given=True,
            )
        )
    console = do_enrol_member(
        acting_user=personas.chair,
        union=union,
        data=EnrolmentData(name="现场录入", resident_id=_rid(10), meeting=meeting),
        channel=Channel.CONSOLE,
        consent_given=True,
    )
    do_enrol_member(
        acting_user=None,
        union=union,
        data=EnrolmentData(name="无关申请", resident_id=_rid(11)),
        channel=Channel.SELF_SERVICE,
        consent_given=True,
    )
    # Approved: 2 of the 4 self-service ones (1 rejected, 1 still pending) + the console one (active at once).
    do_approve_membership(acting_user=personas.chair, membership=outcomes[0].membership)
    do_approve_membership(acting_user=personas.chair, membership=outcomes[1].membership)
    do_reject_membership(acting_user=personas.chair, membership=outcomes[2].membership, reason="资料不全")
    assert console.membership.status == Membership.Status.ACTIVE

    # Cards, through the real card actions on gaoli's pad: the console member's card is issued, reported
    # lost and replaced (two cards handed out, both count); an approved member's application waits in the
    # queue (no card yet); the unrelated applicant, approved, gets a card that is not this meeting's.
    operator = personas.bank_operator
    first = _issue(personas, console.membership)
    replacement = do_report_card_lost(acting_user=personas.chair, card=first)
    assert replacement is not None
    _issue_application(operator, replacement)
    do_create_card_application(acting_user=personas.chair, membership=outcomes[0].membership)
    unrelated = Membership.objects.get(person__name="无关申请")
    do_approve_membership(acting_user=personas.chair, membership=unrelated)
    _issue(personas, unrelated)
    assert Card.objects.count() == 3

    counts = _counts(queries.meeting_funnel(meeting))
    assert counts == {
        "attended": 3 + 5,
        "answered": 4,
        "applied": 5,
        "approved": 3,
        "cards_issued": 2,
        "enterprises_met": 0,
        "intents_signed": 0,
    }
    # Once closed with a recorded attendance, that figure is the one counted.
    actions.do_hold_meeting(acting_user=personas.tongzhou_officer, meeting=meeting)
    actions.do_close_meeting(
        acting_user=personas.tongzhou_officer, meeting=meeting, outcome=MeetingOutcome(attendance=120)
    )
    assert _counts(queries.meeting_funnel(meeting))["attended"] == 120
    # The area funnel over both meetings, and over a period that holds only the second.
    area = queries.area_funnel(acting_user=personas.tongzhou_officer, unit=personas.unit("BJ-TZ-YS"))
    assert area.meetings == 2 and _counts(area)["attended"] == 120 + 50 and _counts(area)["applied"] == 5
    assert _counts(area)["cards_issued"] == 2
    later = queries.area_funnel(
        acting_user=personas.tongzhou_officer, start=START + datetime.timedelta(days=1)
    )
    assert later.meetings == 1 and _counts(later) == {
        "attended": 50,
        "answered": 0,
        "applied": 0,
        "approved": 0,
        "cards_issued": 0,
        "enterprises_met": 0,
        "intents_signed": 0,
    }
    # Another district sees none of it.
    assert queries.area_funnel(acting_user=personas.haidian_officer).meetings == 0


def test_an_enterprise_meetings_funnel_counts_enterprises_met_and_intents_signed(personas):
    meeting = plan_enterprise_meeting(personas)
    assert _counts(queries.meeting_funnel(meeting))["enterprises_met"] == 0  # planned, not met yet
    actions.do_hold_meeting(acting_user=personas.ganjiakou_officer, meeting=meeting)
    assert _counts(queries.meeting_funnel(meeting))["enterprises_met"] == 1
    do_record_intent_letter(
        acting_user=personas.ganjiakou_officer,
        enterprise=personas.enterprise("xinyi"),
        meeting=meeting,
        signatory_name="申健",
        signed_date=datetime.date(2026, 5, 29),
    )
    counts = _counts(queries.meeting_funnel(meeting))
    assert counts["enterprises_met"] == 1 and counts["intents_signed"] == 1
    assert counts["attended"] == 0 and counts["applied"] == 0
    area = _counts(queries.area_funnel(acting_user=personas.haidian_officer))
    assert area["enterprises_met"] == 1 and area["intents_signed"] == 1
    assert _counts(queries.area_funnel(acting_user=personas.tongzhou_officer))["intents_signed"] == 0
