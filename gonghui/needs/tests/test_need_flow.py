"""A need's life through the actions: post → claim / co-claim → schedule → people served → close →
the requester confirms or reopens; send-backs and the refusals, each with one audit event per write."""

import datetime

import pytest
from django.utils import timezone

from gonghui.core.errors import Forbidden, NotFound
from gonghui.core.models import AuditEvent, SmsMessage
from gonghui.needs import actions
from gonghui.needs.actions import NeedData
from gonghui.needs.models import Claim, DeadlineClass, Need, Served


def _events(need: Need) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="needs.need", object_id=str(need.pk))
        .order_by("created_at", "pk")
        .values_list("event_type", flat=True)
    )


def test_it_runs_a_need_from_posting_to_the_requesters_confirmation(
    circle, django_capture_on_commit_callbacks
):
    posted_at = timezone.now() - datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        need = circle.post(now=posted_at)
    assert need.status == Need.Status.OPEN
    assert need.due_at == posted_at + datetime.timedelta(days=7)
    # Both member units with a duty phone are told, after commit.
    assert set(SmsMessage.objects.values_list("phone", flat=True)) == {"13911120001", "13911120002"}

    actions.do_claim_need(acting_user=circle.barber, need=need, work_types=[circle.haircut])
    actions.do_claim_need(acting_user=circle.banker, need=need, work_types=[circle.finance])
    need.refresh_from_db()
    assert need.status == Need.Status.CLAIMED and need.claims.filter(status="ACTIVE").count() == 2

    event = actions.do_schedule_service(
        acting_user=circle.barber, need=need, starts_at=timezone.now(), place="", brought="4位理发师"
    )
    assert set(event.providers.all()) == {circle.volunteers, circle.bank}
    assert event.place == "城市副中心周转房项目三标段"
    actions.do_record_served(acting_user=circle.barber, event=event, head_count=51)
    actions.do_record_served(acting_user=circle.banker, event=event, head_count=43)
    need.refresh_from_db()
    assert need.status == Need.Status.DELIVERED
    assert sum(Served.objects.filter(event=event).values_list("head_count", flat=True)) == 94

    actions.do_close_need(acting_user=circle.barber, need=need, closure=Need.Closure.RESOLVED)
    actions.do_confirm_need(acting_user=circle.personas.luyuan_officer, need=need, satisfaction=5)
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED and need.closure == "RESOLVED" and need.satisfaction == 5
    assert _events(need) == [
        "need_posted",
        "need_claimed",
        "need_claimed",
        "need_scheduled",
        "need_served_recorded",
        "need_served_recorded",
        "need_closed",
        "need_confirmed",
    ]


def test_it_returns_a_need_sent_back_by_its_only_unit_to_the_board_and_keeps_the_reason(circle):
    need = circle.post()
    actions.do_claim_need(acting_user=circle.barber, need=need, work_types=[circle.haircut])
    with pytest.raises(actions.ReasonRequired):
        actions.do_send_back_need(acting_user=circle.barber, need=need, reason="  ")
    actions.do_send_back_need(acting_user=circle.barber, need=need, reason="理发师本周都排满了")
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    claim = Claim.objects.get(need=need)
    assert claim.status == Claim.Status.SENT_BACK and claim.reason == "理发师本周都排满了"
    # It may be claimed again, by the same unit or another.
    actions.do_claim_need(acting_user=circle.barber, need=need, work_types=[circle.haircut])
    assert need.claims.count() == 2


def test_it_refuses_to_claim_a_closed_need_twice_or_for_work_the_unit_does_not_offer(circle):
    need = circle.post()
    with pytest.raises(actions.ClaimWorkTypesInvalid):
        actions.do_claim_need(acting_user=circle.barber, need=need, work_types=[circle.finance])
    actions.do_claim_need(acting_user=circle.barber, need=need, work_types=[circle.haircut])
    with pytest.raises(actions.AlreadyClaimed):
        actions.do_claim_need(acting_user=circle.barber, need=need, work_types=[circle.haircut])
    actions.do_close_need(
        acting_user=circle.personas.luyuan_officer,
        need=need,
        closure=Need.Closure.NOT_OURS,
        reason="属于物业管理",
    )
    with pytest.raises(actions.NeedClosed) as caught:
        actions.do_claim_need(acting_user=circle.banker, need=need, work_types=[circle.finance])
    assert caught.value.code == "needs_need_closed" and caught.value.status == 409


def test_it_requires_a_reason_to_close_unresolved_and_lets_only_the_requester_answer(circle):
    need = circle.post()
    actions.do_claim_need(acting_user=circle.barber, need=need, work_types=[circle.haircut])
    with pytest.raises(actions.ReasonRequired):
        actions.do_close_need(acting_user=circle.barber, need=need, closure=Need.Closure.UNRESOLVED)
    with pytest.raises(actions.ClosureUnknown):
        actions.do_close_need(acting_user=circle.barber, need=need, closure="MAYBE")
    actions.do_close_need(
        acting_user=circle.barber, need=need, closure=Need.Closure.UNRESOLVED, reason="师傅病了"
    )
    # The unit that closed it cannot score it; nor can another officer.
    with pytest.raises(actions.NotTheRequester):
        actions.do_confirm_need(acting_user=circle.barber, need=need, satisfaction=5)
    with pytest.raises(actions.NotTheRequester):
        actions.do_confirm_need(acting_user=circle.personas.tongzhou_officer, need=need, satisfaction=5)
    with pytest.raises(actions.SatisfactionInvalid):
        actions.do_confirm_need(acting_user=circle.personas.luyuan_officer, need=need, satisfaction=6)
    actions.do_reopen_need(acting_user=circle.personas.luyuan_officer, need=need, reason="还是没人来理发")
    need.refresh_from_db()
    assert need.status == Need.Status.CLAIMED and need.closure == "" and need.reopen_count == 1


def test_it_refuses_a_place_outside_the_committees_union_and_a_retired_deadline_class(circle):
    personas = circle.personas
    with pytest.raises(actions.PlaceOutsideUnion):
        actions.do_post_need(
            acting_user=personas.tongzhou_officer,
            data=NeedData(
                committee=circle.committee,
                work_type=circle.haircut,
                deadline_class=circle.general,
                title="海淀的企业",
                people_count=3,
                enterprise=personas.enterprise("xinyi"),
            ),
        )
    retired = DeadlineClass.objects.create(code="OLD", name="旧分类", hours=48, is_active=False)
    with pytest.raises(actions.DeadlineClassUnknown):
        actions.do_post_need(
            acting_user=personas.luyuan_officer,
            data=NeedData(
                committee=circle.committee,
                work_type=circle.haircut,
                deadline_class=retired,
                title="旧的",
                people_count=3,
                worksite=circle.worksite,
            ),
        )
    # A collector of 永顺镇 does not run 潞源's committee.
    with pytest.raises(Forbidden):
        actions.do_post_need(
            acting_user=personas.collector,
            data=NeedData(
                committee=circle.committee,
                work_type=circle.haircut,
                deadline_class=circle.general,
                title="x",
                people_count=1,
                worksite=circle.worksite,
            ),
        )
    assert not Need.objects.filter(committee=circle.committee).exists()


def test_it_treats_a_unit_outside_the_committee_as_if_the_need_did_not_exist(circle):
    with pytest.raises(NotFound):
        actions.do_claim_need(
            acting_user=circle.barber, need=circle.ganjiakou_need, work_types=[circle.haircut]
        )


def test_it_seeds_the_12345_deadline_policy_as_data(db):
    hours = dict(DeadlineClass.objects.values_list("code", "hours"))
    assert hours == {"URGENT": 2, "UTILITIES": 24, "GENERAL": 168, "COMPLEX": 360}
