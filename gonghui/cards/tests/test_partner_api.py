"""/api/v1/partner/: the bank's back office, HMAC-signed. Every refusal is a 4xx with a code and a
`partner_request_refused` audit event."""

import datetime
import json
import time

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from gonghui.cards import actions
from gonghui.cards.models import Card, CardApplication, PartnerNonce
from gonghui.cards.numbers import sequential_card_numbers
from gonghui.cards.signing import HEADER_NONCE, HEADER_SIGNATURE, signed_headers
from gonghui.cards.tests.helpers import apply, branch, enrol
from gonghui.core.models import AuditEvent

BIN = "621468"


class Bank:
    """What a bank's own client does: sign method, path, time, nonce and body with its key."""

    def __init__(self, key_id: str, secret: str):
        self.key_id, self.secret, self.client = key_id, secret, Client()

    def headers(self, method: str, path: str, body: bytes = b"", **kwargs):  # type: ignore[no-untyped-def]
        return signed_headers(
            key_id=self.key_id, secret=self.secret, method=method, url_or_path=path, body=body, **kwargs
        )

    def send(self, method: str, path: str, payload=None, *, headers=None, body=None):  # type: ignore[no-untyped-def]
        raw = body if body is not None else (json.dumps(payload).encode() if payload is not None else b"")
        headers = headers or self.headers(method, path, raw)
        return self.client.generic(method, path, raw, content_type="application/json", headers=headers)

    def get(self, path: str):  # type: ignore[no-untyped-def]
        return self.send("GET", path)

    def post(self, path: str, payload):  # type: ignore[no-untyped-def]
        return self.send("POST", path, payload)


def bank_for(code: str) -> Bank:
    key, secret = actions.do_issue_partner_key(acting_user=None, branch=branch(code))
    return Bank(key.key_id, secret)


@pytest.fixture
def tongzhou(personas) -> Bank:
    return bank_for("BOB-TZ")


@pytest.fixture
def application(personas) -> CardApplication:
    return apply(personas, enrol(personas, 1, phone="13900002222"))


def status_path(application: CardApplication) -> str:
    return f"/api/v1/partner/applications/{application.pk}/status"


def number(n: int = 1) -> str:
    return sequential_card_numbers(bin_prefix=BIN, start=900_000 + n, count=1)[0]


def refusals() -> list[str]:
    return [
        e.details["code"]
        for e in AuditEvent.objects.filter(event_type="partner_request_refused").order_by("pk")
    ]


def test_it_hands_the_bank_the_routed_applications_with_what_opening_a_card_needs(tongzhou, application):
    response = tongzhou.get("/api/v1/partner/applications?status=ROUTED")
    assert response.status_code == 200, response.content
    (item,) = response.json()["items"]
    assert item["id"] == application.pk
    assert item["name"] == application.person.name
    assert item["resident_id"] == application.person.resident_id
    assert item["phone"] == "13900002222"
    assert item["union_hierarchy"] == "通州区总工会 / 永顺镇总工会 / 北京云锐国际文化传媒有限公司工会"
    # Full personal data went to the bank: the answer is logged with the applications it named.
    event = AuditEvent.objects.get(event_type="partner_applications_disclosed")
    assert event.details == {"key_id": tongzhou.key_id, "application_ids": [application.pk]}


def test_it_records_issue_activation_and_medical_link_and_answers_retries_the_same(tongzhou, application):
    path = status_path(application)
    first = tongzhou.post(path, {"status": "ISSUED", "card_number": number()})
    assert first.status_code == 200, first.content
    assert first.json()["changed"] is True and first.json()["application"]["status"] == "ISSUED"
    # The bank lost the response and sends the same update again, signed afresh: nothing changes.
    again = tongzhou.post(path, {"status": "ISSUED", "card_number": number()})
    assert again.status_code == 200 and again.json()["changed"] is False
    assert Card.objects.filter(application=application).count() == 1
    assert tongzhou.post(path, {"status": "ACTIVATED"}).json()["changed"] is True
    assert tongzhou.post(path, {"status": "ACTIVATED"}).json()["changed"] is False
    linked = tongzhou.post(path, {"status": "MEDICAL_LINKED", "medical_account": "YB0012345678"})
    assert linked.json()["changed"] is True
    assert (
        tongzhou.post(path, {"status": "MEDICAL_LINKED", "medical_account": "YB0012345678"}).json()["changed"]
        is False
    )
    card = Card.objects.get(application=application)
    assert (card.status, card.medical_account, card.number) == ("ACTIVE", "YB0012345678", number())
    application.refresh_from_db()
    assert application.status == "ACTIVATED" and application.activated_at is not None
    # A different card number for the same application is a contradiction, not a retry.
    conflict = tongzhou.post(path, {"status": "ISSUED", "card_number": number(2)})
    assert conflict.status_code == 409 and conflict.json()["code"] == "status_conflict"


def test_it_records_a_rejection_idempotently(tongzhou, application):
    path = status_path(application)
    assert (
        tongzhou.post(path, {"status": "REJECTED", "reason": "duplicate_account"}).json()["changed"] is True
    )
    assert (
        tongzhou.post(path, {"status": "REJECTED", "reason": "duplicate_account"}).json()["changed"] is False
    )
    other = tongzhou.post(path, {"status": "REJECTED", "reason": "bank_declined"})
    assert other.status_code == 409
    illegal = tongzhou.post(path, {"status": "ACTIVATED"})
    assert illegal.status_code == 409 and illegal.json()["code"] == "illegal_transition"


def test_it_refuses_a_card_number_that_is_not_the_banks(tongzhou, application):
    good = number()
    bad_check = good[:-1] + str((int(good[-1]) + 1) % 10)
    response = tongzhou.post(status_path(application), {"status": "ISSUED", "card_number": bad_check})
    assert response.status_code == 400 and response.json()["code"] == "card_number_invalid"
    wrong_bin = sequential_card_numbers(bin_prefix="622222", start=1, count=1)[0]
    assert (
        tongzhou.post(status_path(application), {"status": "ISSUED", "card_number": wrong_bin}).status_code
        == 400
    )


def test_it_refuses_a_card_number_issued_before(personas, tongzhou, application):
    other = apply(personas, enrol(personas, 2))
    assert (
        tongzhou.post(status_path(application), {"status": "ISSUED", "card_number": number()}).status_code
        == 200
    )
    taken = tongzhou.post(status_path(other), {"status": "ISSUED", "card_number": number()})
    assert taken.status_code == 409 and taken.json()["code"] == "card_number_taken"


def test_it_refuses_a_replayed_request(tongzhou, application):
    path = "/api/v1/partner/applications?status=ROUTED"
    headers = tongzhou.headers("GET", path)
    assert tongzhou.send("GET", path, headers=headers).status_code == 200
    replay = tongzhou.send("GET", path, headers=headers)
    assert replay.status_code == 403 and replay.json()["code"] == "partner_nonce_reused"
    assert PartnerNonce.objects.count() == 1
    assert refusals() == ["partner_nonce_reused"]


def test_it_refuses_a_stale_request(tongzhou, application):
    path = "/api/v1/partner/applications"
    stale = tongzhou.headers("GET", path, now=time.time() - 301)
    response = tongzhou.send("GET", path, headers=stale)
    assert response.status_code == 401 and response.json()["code"] == "partner_request_expired"
    future = tongzhou.headers("GET", path, now=time.time() + 301)
    assert tongzhou.send("GET", path, headers=future).status_code == 401
    assert refusals() == ["partner_request_expired", "partner_request_expired"]


def test_it_refuses_a_tampered_body(tongzhou, application):
    path = status_path(application)
    signed_for = json.dumps({"status": "REJECTED", "reason": "bank_declined"}).encode()
    tampered = json.dumps({"status": "ISSUED", "card_number": number()}).encode()
    response = tongzhou.send("POST", path, headers=tongzhou.headers("POST", path, signed_for), body=tampered)
    assert response.status_code == 401 and response.json()["code"] == "partner_signature_invalid"
    application.refresh_from_db()
    assert application.status == "ROUTED"
    # The path is signed too: the same signature for another application's URL is refused.
    headers = tongzhou.headers("GET", "/api/v1/partner/applications?status=ROUTED")
    assert (
        tongzhou.send("GET", "/api/v1/partner/applications?status=ISSUED", headers=headers).status_code == 401
    )
    assert refusals() == ["partner_signature_invalid", "partner_signature_invalid"]


def test_it_refuses_another_branchs_application(personas, application):
    lucheng = bank_for("BOB-LC")
    assert lucheng.get(f"/api/v1/partner/applications/{application.pk}").status_code == 404
    response = lucheng.post(status_path(application), {"status": "ISSUED", "card_number": number()})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert lucheng.get("/api/v1/partner/applications").json()["items"] == []
    application.refresh_from_db()
    assert application.status == "ROUTED"
    assert refusals() == ["not_found", "not_found"]


def test_it_refuses_an_unknown_key_and_a_missing_signature(tongzhou, application):
    stranger = Bank("bob-tz-00000000", tongzhou.secret)
    response = stranger.get("/api/v1/partner/applications")
    assert response.status_code == 401 and response.json()["code"] == "partner_key_unknown"
    unsigned = Client().get("/api/v1/partner/applications")
    assert unsigned.status_code == 401
    headers = tongzhou.headers("GET", "/api/v1/partner/applications")
    del headers[HEADER_SIGNATURE]
    assert tongzhou.send("GET", "/api/v1/partner/applications", headers=headers).status_code == 401
    headers = tongzhou.headers("GET", "/api/v1/partner/applications")
    headers[HEADER_NONCE] = "short"
    assert tongzhou.send("GET", "/api/v1/partner/applications", headers=headers).status_code == 401
    assert refusals()[0] == "partner_key_unknown"


def test_it_ignores_a_console_session_or_bearer_token_on_the_partner_api(personas, application):
    client = personas.client(personas.city_admin)
    assert client.get("/api/v1/partner/applications").status_code == 401


def test_it_rotates_keys_with_an_overlap_and_revokes_at_once(personas, application):
    old = bank_for("BOB-TZ")
    new = bank_for("BOB-TZ")  # the rotation: the old key now expires after the overlap window
    assert old.get("/api/v1/partner/applications").status_code == 200
    assert new.get("/api/v1/partner/applications").status_code == 200
    from gonghui.cards.models import PartnerKey

    old_key = PartnerKey.objects.get(key_id=old.key_id)
    assert old_key.expires_at is not None and old_key.expires_at <= timezone.now() + datetime.timedelta(
        hours=24
    )
    PartnerKey.objects.filter(pk=old_key.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert old.get("/api/v1/partner/applications").status_code == 401
    actions.do_revoke_partner_key(
        acting_user=personas.tongzhou_officer, key=PartnerKey.objects.get(key_id=new.key_id)
    )
    assert new.get("/api/v1/partner/applications").status_code == 401
    # Secrets are kept encrypted: the column does not hold the secret.
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM cards_partnerkey WHERE key_id = %s", [new.key_id])
        (stored,) = cursor.fetchone()
    assert new.secret not in stored and "$" in stored


def test_it_refuses_an_invalid_status_body(tongzhou, application):
    response = tongzhou.post(status_path(application), {"status": "SHIPPED"})
    assert response.status_code == 422 and response.json()["code"] == "invalid_input"
