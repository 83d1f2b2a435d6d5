"""Payouts to the card: batches per bank branch, the bank's results over the signed partner API (each
claim paid once; a failed payout back to the exception queue), an SMS when paid, the reconciliation
balancing to the fen."""

import json

import pytest
from django.test import Client

from gonghui.benefits.actions.payouts import (
    NothingToPay,
    PayoutResult,
    PayoutResultConflict,
    do_create_payout_batches,
    do_record_payout_result,
)
from gonghui.benefits.actions.review import do_review_claim
from gonghui.benefits.models import Payout, PayoutBatch, ReimbursementClaim
from gonghui.benefits.queries import reconciliation
from gonghui.benefits.tests.helpers import import_rows, make_plan, member_with_card, settlement
from gonghui.cards import actions as card_actions
from gonghui.cards.models import BankBranch
from gonghui.cards.signing import signed_headers
from gonghui.core.models import SmsMessage


@pytest.fixture
def approved(personas):  # type: ignore[no-untyped-def]
    make_plan(personas)
    members = [member_with_card(personas, 80 + n) for n in range(3)]
    import_rows(personas, [settlement(m) for m in members])
    return members


@pytest.fixture
def key_and_secret(personas):  # type: ignore[no-untyped-def]
    return card_actions.do_issue_partner_key(acting_user=None, branch=BankBranch.objects.get(code="BOB-TZ"))


def bank(key, secret, method, path, payload=None):  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode() if payload is not None else b""
    headers = signed_headers(key_id=key.key_id, secret=secret, method=method, url_or_path=path, body=body)
    client = Client()
    if payload is not None:
        return client.generic(method, path, body, content_type="application/json", headers=headers)
    return client.generic(method, path, headers=headers)


def test_it_batches_approved_claims_per_branch(personas, approved):
    outcome = do_create_payout_batches(acting_user=personas.tongzhou_officer)
    (batch,) = outcome.batches
    assert (batch.branch.code, batch.payouts_count, batch.total_fen) == ("BOB-TZ", 3, 3 * 435_000)
    assert set(ReimbursementClaim.objects.values_list("status", flat=True)) == {"PAYING"}
    with pytest.raises(NothingToPay):
        do_create_payout_batches(acting_user=personas.tongzhou_officer)


def test_it_lets_the_bank_pay_and_fail_over_the_partner_api(
    personas, approved, key_and_secret, settings, django_capture_on_commit_callbacks
):
    settings.GONGHUI_SMS_BACKEND = "gonghui.core.sms.OutboxGateway"
    key, secret = key_and_secret
    do_create_payout_batches(acting_user=personas.tongzhou_officer)
    listing = bank(key, secret, "GET", "/api/v1/benefits/partner/payouts?status=SENT")
    assert listing.status_code == 200 and listing.json()["count"] == 3
    first, second, _third = listing.json()["items"]
    assert first["amount_fen"] == 435_000 and len(first["card_number"]) == 16
    path = f"/api/v1/benefits/partner/payouts/{first['id']}/result"
    with django_capture_on_commit_callbacks(execute=True):
        paid = bank(key, secret, "POST", path, {"status": "PAID", "bank_reference": "BOB0001"})
    assert paid.status_code == 200 and paid.json()["changed"] is True
    # The same answer again (a lost response): nothing changes; another answer is refused.
    again = bank(key, secret, "POST", path, {"status": "PAID", "bank_reference": "BOB0001"})
    assert again.status_code == 200 and again.json()["changed"] is False
    flip = bank(key, secret, "POST", path, {"status": "FAILED", "failure_code": "card_closed"})
    assert flip.status_code == 409 and flip.json()["code"] == "payout_result_conflict"
    failed = bank(
        key,
        secret,
        "POST",
        f"/api/v1/benefits/partner/payouts/{second['id']}/result",
        {"status": "FAILED", "failure_code": "card_frozen", "note": "冻结"},
    )
    assert failed.status_code == 200
    claims = {p.claim.person.name: p.claim.status for p in Payout.objects.select_related("claim__person")}
    assert sorted(claims.values()) == ["PAID", "PAYING", "REVIEW"]
    texts = [message.text for message in SmsMessage.objects.all()]
    assert len([t for t in texts if "二次报销4350.00元已支付到会员服务卡" in t]) == 1
    # The failed claim goes back to the queue with its share of the cap; approved again, it is paid once.
    back = ReimbursementClaim.objects.get(status="REVIEW")
    do_review_claim(acting_user=personas.tongzhou_officer, claim=back, approve=True, note="卡已解冻")
    (batch,) = do_create_payout_batches(acting_user=personas.tongzhou_officer).batches
    new = batch.payouts.get()
    do_record_payout_result(key=key, payout=new, result=PayoutResult("PAID", "BOB0002"))
    assert Payout.objects.filter(claim=back, status="PAID").count() == 1
    assert PayoutBatch.objects.get(pk=batch.pk).status == "CLOSED"
    report = reconciliation(acting_user=personas.tongzhou_officer)
    assert report.balanced
    assert (
        report.total.sent_fen,
        report.total.paid_fen,
        report.total.failed_fen,
        report.total.outstanding_fen,
    ) == (
        4 * 435_000,
        2 * 435_000,
        435_000,
        435_000,
    )


def test_it_hides_another_branchs_payouts_from_the_bank(personas, approved):
    do_create_payout_batches(acting_user=personas.tongzhou_officer)
    key, secret = card_actions.do_issue_partner_key(
        acting_user=None, branch=BankBranch.objects.get(code="BOB-LC")
    )
    assert bank(key, secret, "GET", "/api/v1/benefits/partner/payouts").json()["count"] == 0
    payout = Payout.objects.order_by("pk")[0]
    answer = bank(
        key,
        secret,
        "POST",
        f"/api/v1/benefits/partner/payouts/{payout.pk}/result",
        {"status": "PAID", "bank_reference": "X"},
    )
    assert answer.status_code == 404
    unsigned = Client().get("/api/v1/benefits/partner/payouts")
    assert unsigned.status_code == 401


def test_it_never_pays_a_claim_twice(personas, approved, key_and_secret):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    key, _secret = key_and_secret
    (batch,) = do_create_payout_batches(acting_user=personas.tongzhou_officer).batches
    payout = batch.payouts.order_by("pk")[0]
    do_record_payout_result(key=key, payout=payout, result=PayoutResult("PAID", "R1"))
    with pytest.raises(PayoutResultConflict):
        do_record_payout_result(key=key, payout=payout, result=PayoutResult("PAID", "R2"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.create(
            batch=batch, claim=payout.claim, card=payout.card, amount_fen=1, created_at=timezone.now()
        )
