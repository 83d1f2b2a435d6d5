"""A union officer's manual claim with receipt scans: checked uploads, the same rules, then review."""

import datetime
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from gonghui.benefits.actions.manual import (
    ClaimInvalid,
    ManualClaimData,
    ReceiptsMissing,
    do_create_manual_claim,
)
from gonghui.benefits.models import ClaimReceipt
from gonghui.benefits.tests.helpers import make_plan, member_with_card
from gonghui.cards.tests.helpers import enrol
from gonghui.core.errors import Forbidden
from gonghui.core.uploads import UploadWrongType


def receipt_scan(name: str = "receipt.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def data(**changes: Any) -> ManualClaimData:
    values: dict[str, Any] = {
        "kind": "INPATIENT",
        "service_date": timezone.localdate(),
        "hospital": "北京市通州区新华医院",
        "hospital_level": "LEVEL_2",
        "total_cost_fen": 20_000_00,
        "covered_fen": 12_000_00,
        "self_paid_in_scope_fen": 5_300_00,
        "note": "异地结算未进入医保数据",
    }
    values.update(changes)
    return ManualClaimData(**values)


def test_it_files_a_claim_for_review_with_its_receipts(personas):
    make_plan(personas)
    member = member_with_card(personas, 41)
    claim = do_create_manual_claim(
        acting_user=personas.chair, membership=member, data=data(), receipts=[receipt_scan(), receipt_scan()]
    )
    # 5,300 self-paid: 4,000 above the deductible at 50 % — proposed, charged when approved.
    assert (claim.status, claim.source, claim.payable_fen) == ("REVIEW", "MANUAL", 200_000)
    assert ClaimReceipt.objects.filter(claim=claim).count() == 2
    assert all(r.content_type == "image/jpeg" for r in ClaimReceipt.objects.all())


def test_it_refuses_at_once_what_the_rules_refuse(personas):
    make_plan(personas)
    member = enrol(personas, 42)  # joined today, no card
    claim = do_create_manual_claim(
        acting_user=personas.chair,
        membership=member,
        data=data(service_date=timezone.localdate() - datetime.timedelta(days=10)),
        receipts=[receipt_scan()],
    )
    assert (claim.status, claim.refusal_code) == ("REFUSED", "not_member_on_date")


def test_it_refuses_bad_input(personas):
    make_plan(personas)
    member = member_with_card(personas, 43)
    cases = [
        (data(), [], ReceiptsMissing),
        (data(), [SimpleUploadedFile("r.jpg", b"%PDX not a file")], UploadWrongType),
        (data(self_paid_in_scope_fen=-1), [receipt_scan()], ClaimInvalid),
        (data(covered_fen=19_000_00), [receipt_scan()], ClaimInvalid),
        (
            data(service_date=timezone.localdate() + datetime.timedelta(days=1)),
            [receipt_scan()],
            ClaimInvalid,
        ),
    ]
    for claim_data, receipts, error in cases:
        with pytest.raises(error):
            do_create_manual_claim(
                acting_user=personas.chair, membership=member, data=claim_data, receipts=receipts
            )


def test_it_refuses_an_officer_of_another_area(personas):
    make_plan(personas)
    member = member_with_card(personas, 44)
    with pytest.raises(Forbidden):
        do_create_manual_claim(
            acting_user=personas.haidian_officer, membership=member, data=data(), receipts=[receipt_scan()]
        )
