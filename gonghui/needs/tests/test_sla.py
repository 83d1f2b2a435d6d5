"""The SLA clock: it stops while a unit waits on the requester (the deadline moves on by the time
waited), and a claim left unscheduled past the committee's window returns the need to the board."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.core.models import AuditEvent, SmsMessage
from gonghui.needs import actions, queries
from gonghui.needs.models import Claim, Need


def test_it_stops_the_clock_while_waiting_on_the_requester(circle):
    t0 = timezone.now() - datetime.timedelta(days=10)
    need = circle.post(now=t0)
    actions.do_claim_need(
        acting_user=circle.barber,
        need=need,
        work_types=[circle.haircut],
        now=t0 + datetime.timedelta(hours=1),
    )
    actions.do_ask_requester(
        acting_user=circle.barber, need=need, question="工人几点收工？", now=t0 + datetime.timedelta(days=2)
    )
    with pytest.raises(actions.AlreadyWaiting):
        actions.do_ask_requester(acting_user=circle.barber, need=need, question="再问一次")
    # Waiting: past its original deadline, yet not overdue.
    officer = circle.personas.luyuan_officer
    assert not queries.list_board(acting_user=officer, tab="OVERDUE").filter(pk=need.pk).exists()
    with pytest.raises(actions.NotTheRequester):
        actions.do_answer_unit(acting_user=circle.barber, need=need, answer="六点")
    actions.do_answer_unit(
        acting_user=officer, need=need, answer="晚上六点收工", now=t0 + datetime.timedelta(days=5)
    )
    need.refresh_from_db()
    assert need.paused_seconds == 3 * 86400
    assert need.due_at == t0 + datetime.timedelta(days=7 + 3)
    assert need.waiting_since is None
    # Now = t0 + 10 days is the moved deadline: overdue from here on.
    assert queries.list_board(acting_user=officer, tab="OVERDUE").filter(pk=need.pk).exists()
    with pytest.raises(actions.NotWaiting):
        actions.do_answer_unit(acting_user=officer, need=need, answer="again")


def test_it_returns_a_need_claimed_but_not_scheduled_in_time_and_tells_the_officer(
    circle, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=circle.personas.luyuan_officer.pk).update(phone="13911130001")
    t0 = timezone.now() - datetime.timedelta(days=5)
    late = circle.post(title="没人安排", now=t0)
    actions.do_claim_need(acting_user=circle.barber, need=late, work_types=[circle.haircut], now=t0)
    fresh = circle.post(title="刚认领", now=timezone.now())
    actions.do_claim_need(acting_user=circle.barber, need=fresh, work_types=[circle.haircut])
    scheduled = circle.post(title="已安排", now=t0)
    actions.do_claim_need(acting_user=circle.barber, need=scheduled, work_types=[circle.haircut], now=t0)
    actions.do_schedule_service(
        acting_user=circle.barber, need=scheduled, starts_at=timezone.now(), place="工地", now=t0
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("needs_return_unscheduled")
    late.refresh_from_db()
    fresh.refresh_from_db()
    scheduled.refresh_from_db()
    assert late.status == Need.Status.OPEN
    assert Claim.objects.get(need=late).status == Claim.Status.EXPIRED
    assert fresh.status == Need.Status.CLAIMED and scheduled.status == Need.Status.SCHEDULED
    told = [(m.phone, m.text) for m in SmsMessage.objects.all()]
    assert [phone for phone, text in told if "没人安排" in text] == ["13911130001"]
    event = AuditEvent.objects.get(event_type="need_claims_returned")
    assert event.actor is None and event.object_id == str(late.pk)
    # Running it again changes nothing.
    assert actions.return_unscheduled_claims() == 0
    # The page renders the event without an acting user.
    page = circle.personas.client(circle.personas.luyuan_officer).get(f"/needs/{late.pk}/").content.decode()
    assert "超时未安排" in page
