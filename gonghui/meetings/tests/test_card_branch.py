"""A meeting names the bank branch issuing cards there: console form, API and action accept an active
branch (also one serving another district) and refuse an inactive or unknown one with a code."""

import pytest

from gonghui.cards import actions as card_actions
from gonghui.cards.models import BankBranch
from gonghui.core.models import AuditEvent
from gonghui.demo.personas import json_of
from gonghui.meetings import actions
from gonghui.meetings.actions import CardBranchNotActive
from gonghui.meetings.models import Meeting
from gonghui.meetings.tests.conftest import plan_worker_meeting


@pytest.fixture
def haidian_branch(personas) -> BankBranch:
    return card_actions.do_create_bank_branch(
        acting_user=personas.city_admin,
        code="BOB-HD",
        bank_name="北京银行",
        name="海淀支行",
        serves_unit=personas.unit("BJ-HD"),
        bin_prefix="621468",
    )


def _api_payload(personas, **changes):
    body = {
        "kind": "WORKER",
        "title": "云锐大厅职工沟通会",
        "organiser_id": personas.unit("BJ-TZ-YS").pk,
        "starts_at": "2026-06-05T09:00:00+08:00",
        "ends_at": "2026-06-05T11:00:00+08:00",
        "place_kind": "ADDRESS",
        "address": "商务园中园 一楼大厅",
    }
    body.update(changes)
    return body


def test_it_keeps_the_card_branch_through_planning_and_editing(personas, haidian_branch):
    tongzhou = BankBranch.objects.get(code="BOB-TZ")
    meeting = plan_worker_meeting(personas, card_branch=tongzhou)
    assert Meeting.objects.get(pk=meeting.pk).card_branch == tongzhou
    event = AuditEvent.objects.filter(event_type="meeting_planned").latest("pk")
    assert "card_branch" in event.changed_fields
    # Another district's branch is fine: branches are the bank's, and hand re-routing allows any too.
    data = actions.MeetingData(
        kind=meeting.kind,
        title=meeting.title,
        organiser=meeting.organiser,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        place_kind=meeting.place_kind,
        enterprise=meeting.enterprise,
        address=meeting.address,
        partner_units=meeting.partner_units,
        card_branch=haidian_branch,
    )
    actions.do_update_meeting(acting_user=personas.tongzhou_officer, meeting=meeting, data=data)
    assert Meeting.objects.get(pk=meeting.pk).card_branch == haidian_branch
    assert AuditEvent.objects.filter(event_type="meeting_updated").latest("pk").changed_fields == [
        "card_branch"
    ]


def test_it_refuses_an_inactive_branch_with_a_code(personas):
    tongzhou = BankBranch.objects.get(code="BOB-TZ")
    # The bank closed the branch (no console for that yet: the bank's side sets the flag).
    BankBranch.objects.filter(pk=tongzhou.pk).update(is_active=False)
    with pytest.raises(CardBranchNotActive) as refused:
        plan_worker_meeting(personas, card_branch=tongzhou)
    assert refused.value.code == "meeting_card_branch_inactive" and refused.value.field == "card_branch"
    assert not Meeting.objects.exists()


def test_the_console_form_offers_active_branches_and_shows_the_choice(personas, haidian_branch):
    client = personas.client(personas.tongzhou_officer)
    BankBranch.objects.filter(code="BOB-LC").update(is_active=False)
    form = client.get("/meetings/new/").content.decode()
    assert "北京银行通州支行" in form and "北京银行海淀支行" in form and "潞城支行" not in form
    lucheng = BankBranch.objects.get(code="BOB-LC")
    base = {
        "kind": "WORKER",
        "title": "云锐大厅职工沟通会",
        "organiser": personas.unit("BJ-TZ-YS").pk,
        "starts_at": "2026-06-05T09:00",
        "ends_at": "2026-06-05T11:00",
        "cadence": "ONE_OFF",
        "place_kind": "ADDRESS",
        "address": "商务园中园 一楼大厅",
    }
    refused = client.post("/meetings/new/", {**base, "card_branch": lucheng.pk})
    assert refused.status_code == 200 and not Meeting.objects.exists()
    assert client.post("/meetings/new/", {**base, "card_branch": "abc"}).status_code == 200
    created = client.post("/meetings/new/", {**base, "card_branch": BankBranch.objects.get(code="BOB-TZ").pk})
    assert created.status_code == 302
    meeting = Meeting.objects.get()
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "发卡银行网点" in page and "北京银行通州支行" in page
    edit = client.get(f"/meetings/{meeting.pk}/edit/").content.decode()
    assert f'<option value="{meeting.card_branch_id}" selected>' in edit
    # Cleared in the edit form.
    client.post(f"/meetings/{meeting.pk}/edit/", {**base, "card_branch": ""})
    assert Meeting.objects.get(pk=meeting.pk).card_branch is None


def test_the_api_sets_the_card_branch_and_refuses_unknown_or_inactive_ones(personas, haidian_branch):
    client = personas.client(personas.tongzhou_officer)
    tongzhou = BankBranch.objects.get(code="BOB-TZ")
    created = client.post(
        "/api/v1/meetings",
        _api_payload(personas, card_branch_id=tongzhou.pk),
        content_type="application/json",
    )
    assert created.status_code == 201
    meeting = json_of(created)[0]
    assert meeting["card_branch_id"] == tongzhou.pk
    # Another district's branch is accepted on edit.
    edited = client.put(
        f"/api/v1/meetings/{meeting['id']}",
        _api_payload(personas, card_branch_id=haidian_branch.pk),
        content_type="application/json",
    )
    assert edited.status_code == 200 and edited.json()["card_branch_id"] == haidian_branch.pk
    funnel = client.get(f"/api/v1/meetings/{meeting['id']}/funnel").json()
    assert [s["key"] for s in funnel["people"]] == [
        "attended",
        "answered",
        "applied",
        "approved",
        "cards_issued",
    ]
    assert funnel["people"][-1] == {"key": "cards_issued", "label": "已发卡", "count": 0}
    unknown = client.post(
        "/api/v1/meetings", _api_payload(personas, card_branch_id=987654), content_type="application/json"
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found" and unknown.json()["field"] == "card_branch_id"
    malformed = client.post(
        "/api/v1/meetings", _api_payload(personas, card_branch_id="abc"), content_type="application/json"
    )
    assert malformed.status_code == 422
    BankBranch.objects.filter(pk=tongzhou.pk).update(is_active=False)
    inactive = client.post(
        "/api/v1/meetings",
        _api_payload(personas, card_branch_id=tongzhou.pk),
        content_type="application/json",
    )
    assert inactive.status_code == 400
    assert inactive.json()["code"] == "meeting_card_branch_inactive"
    assert "网点" in inactive.json()["message"]
    assert Meeting.objects.count() == 1
