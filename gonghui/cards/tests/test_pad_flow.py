"""The pad's steps through the actions: the state machine, the ID check, the fingerprint device."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from gonghui.cards import actions
from gonghui.cards.models import CardApplication, CardBlank
from gonghui.cards.queries import get_branch_day, median_minutes_per_card
from gonghui.cards.tests.helpers import apply, branch, enrol, fingerprint, reading_for, walk_to_authorised
from gonghui.core.models import AuditEvent, SmsMessage

Status = CardApplication.Status


@pytest.fixture
def application(personas):
    return apply(personas, enrol(personas, 1, phone="13900001111"))


def test_it_takes_a_member_from_the_queue_to_a_card_with_a_timestamp_per_step(
    personas, application, django_capture_on_commit_callbacks
):
    operator = personas.bank_operator
    start = timezone.now()
    steps = [start + datetime.timedelta(minutes=m) for m in range(5)]
    application = actions.do_call_card_application(
        acting_user=operator, application=application, now=steps[0]
    )
    application = actions.do_record_id_card_read(
        acting_user=operator, application=application, reading=reading_for(application), now=steps[1]
    )
    application = actions.do_authorise_card_application(
        acting_user=operator,
        application=application,
        confirmation=fingerprint(application, operator, confirmed_at=int(steps[2].timestamp())),
        now=steps[2],
    )
    card = actions.do_issue_card(acting_user=operator, application=application, now=steps[3])
    actions.do_link_medical_insurance(
        acting_user=operator, application=application, account_reference="1101 1200 0123 4567", now=steps[3]
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_complete_card_application(acting_user=operator, application=application, now=steps[4])

    application.refresh_from_db()
    assert application.status == Status.ISSUED
    assert (application.called_at, application.id_verified_at, application.authorised_at) == tuple(steps[:3])
    assert (application.issued_at, application.completed_at) == (steps[3], steps[4])
    card.refresh_from_db()
    assert card.medical_account == "1101120001234567"
    assert card.blank is not None
    assert card.blank.status == CardBlank.Status.ISSUED and card.number == card.blank.number
    # Stored encrypted: the column holds vault ciphertext, never the digits.
    with connection.cursor() as cursor:
        cursor.execute("SELECT number, number_index FROM cards_card WHERE id = %s", [card.pk])
        stored, index = cursor.fetchone()
    assert card.number not in stored and card.number not in index
    message = SmsMessage.objects.get()
    assert message.phone == "13900001111" and card.number[-4:] in message.text and "通州支行" in message.text
    assert median_minutes_per_card(branch("BOB-TZ"), now=steps[4]) == (4.0, 1)
    day = get_branch_day(acting_user=operator, now=steps[4])
    assert day.issued_today == 1 and day.median_minutes == 4.0
    types = list(
        AuditEvent.objects.filter(object_id=str(application.pk)).values_list("event_type", flat=True)
    )
    for event in (
        "card_application_called",
        "card_id_verified",
        "card_authorised",
        "card_issued",
        "card_medical_linked",
        "card_handed_over",
    ):
        assert event in types


def test_it_stops_the_flow_when_the_id_card_is_another_persons(personas, application):
    operator = personas.bank_operator
    application = actions.do_call_card_application(acting_user=operator, application=application)
    with pytest.raises(actions.IdCardMismatch) as stopped:
        actions.do_record_id_card_read(
            acting_user=operator, application=application, reading=reading_for(application, name="王某某")
        )
    assert stopped.value.code == "id_mismatch" and "姓名" in stopped.value.message
    application.refresh_from_db()
    # The refusal is committed: the application is closed with its reason, not left half-way.
    assert application.status == Status.REJECTED and application.reject_reason == "id_mismatch"
    event = AuditEvent.objects.get(event_type="card_id_refused")
    assert "*" in event.details["read_resident_id"]
    with pytest.raises(actions.IllegalTransition):
        actions.do_authorise_card_application(
            acting_user=operator, application=application, confirmation=fingerprint(application, operator)
        )


def test_it_stops_the_flow_when_the_id_card_has_expired(personas, application):
    operator = personas.bank_operator
    application = actions.do_call_card_application(acting_user=operator, application=application)
    expired = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(actions.IdCardExpired) as stopped:
        actions.do_record_id_card_read(
            acting_user=operator,
            application=application,
            reading=reading_for(application, valid_until=expired),
        )
    assert stopped.value.code == "id_expired"
    application.refresh_from_db()
    assert application.reject_reason == "id_expired"


def test_it_accepts_a_card_without_end_date_and_a_lower_case_x(personas):
    membership = enrol(personas, 7)
    application = apply(personas, membership)
    operator = personas.bank_operator
    application = actions.do_call_card_application(acting_user=operator, application=application)
    rid = application.person.resident_id
    application = actions.do_record_id_card_read(
        acting_user=operator,
        application=application,
        reading=reading_for(application, valid_until=None, resident_id=rid.lower()),
    )
    assert application.status == Status.ID_VERIFIED


@pytest.mark.parametrize(
    "change",
    [
        {"secret": "not-the-branch-device-key"},
        {"operator": "somebody-else"},
        {"device_id": "fp-other"},
        {"application_id": 999},
    ],
)
def test_it_refuses_an_authorisation_not_signed_by_the_branch_device_for_this_operator(
    personas, application, change
):
    operator = personas.bank_operator
    application = actions.do_call_card_application(acting_user=operator, application=application)
    application = actions.do_record_id_card_read(
        acting_user=operator, application=application, reading=reading_for(application)
    )
    with pytest.raises(actions.FingerprintInvalid) as refused:
        actions.do_authorise_card_application(
            acting_user=operator,
            application=application,
            confirmation=fingerprint(application, operator, **change),
        )
    assert refused.value.code == "fingerprint_invalid"
    application.refresh_from_db()
    assert application.status == Status.ID_VERIFIED


def test_it_refuses_a_stale_fingerprint_confirmation(personas, application):
    operator = personas.bank_operator
    application = actions.do_call_card_application(acting_user=operator, application=application)
    application = actions.do_record_id_card_read(
        acting_user=operator, application=application, reading=reading_for(application)
    )
    old = int((timezone.now() - datetime.timedelta(minutes=6)).timestamp())
    with pytest.raises(actions.FingerprintStale):
        actions.do_authorise_card_application(
            acting_user=operator,
            application=application,
            confirmation=fingerprint(application, operator, confirmed_at=old),
        )


def test_it_refuses_illegal_transitions_with_a_code(personas, application):
    operator = personas.bank_operator
    # Straight to the card box, skipping the ID check and the authorisation.
    with pytest.raises(actions.IllegalTransition) as refused:
        actions.do_issue_card(acting_user=operator, application=application)
    assert refused.value.code == "illegal_transition"
    application = actions.do_call_card_application(acting_user=operator, application=application)
    with pytest.raises(actions.IllegalTransition):
        actions.do_issue_card(acting_user=operator, application=application)
    with pytest.raises(actions.IllegalTransition):
        actions.do_complete_card_application(acting_user=operator, application=application)
    application = actions.do_reject_card_application(
        acting_user=operator, application=application, reason="member_absent"
    )
    for attempt in (
        lambda: actions.do_call_card_application(acting_user=operator, application=application),
        lambda: actions.do_reject_card_application(
            acting_user=operator, application=application, reason="other"
        ),
        lambda: actions.do_cancel_card_application(acting_user=personas.chair, application=application),
    ):
        with pytest.raises(actions.IllegalTransition):
            attempt()
    assert set(actions.TRANSITIONS[Status.REJECTED]) == set()


def test_it_refuses_an_unknown_reject_reason(personas, application):
    application = actions.do_call_card_application(
        acting_user=personas.bank_operator, application=application
    )
    with pytest.raises(actions.ReasonInvalid):
        actions.do_reject_card_application(
            acting_user=personas.bank_operator, application=application, reason="nope"
        )


def test_it_reports_an_empty_card_box(personas, application):
    CardBlank.objects.filter(stock__branch__code="BOB-TZ").update(status=CardBlank.Status.VOID)
    application = walk_to_authorised(application, personas.bank_operator)
    with pytest.raises(actions.CardBoxEmpty) as refused:
        actions.do_issue_card(acting_user=personas.bank_operator, application=application)
    assert refused.value.code == "card_box_empty"
    application.refresh_from_db()
    assert application.status == Status.AUTHORISED


def test_it_rejects_a_bad_medical_account(personas, application):
    application = walk_to_authorised(application, personas.bank_operator)
    actions.do_issue_card(acting_user=personas.bank_operator, application=application)
    with pytest.raises(actions.MedicalAccountInvalid):
        actions.do_link_medical_insurance(
            acting_user=personas.bank_operator, application=application, account_reference="12"
        )
