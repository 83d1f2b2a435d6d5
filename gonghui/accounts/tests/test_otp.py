"""TOTP is required for roles that may reveal personal data: enrol by QR once, then a code per login."""

import datetime
import json

from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.accounts.actions import do_issue_api_token
from gonghui.core.models import AuditEvent
from gonghui.demo.personas import PASSWORD


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_it_enrols_and_then_asks_for_a_code_at_login(personas, with_2fa):
    client = Client()
    response = client.post("/accounts/login/", {"username": "luyuan", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/")
    # Not through yet: the console sends the user back to the second factor.
    assert client.get("/")["Location"] == "/accounts/otp/"
    page = client.get("/accounts/otp/").content.decode()
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=personas.luyuan_officer, confirmed=False)
    response = client.post(
        "/accounts/otp/", {"token": "000000" if current_code(device) != "000000" else "111111"}
    )
    assert (
        response.status_code == 200 and not TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists()
    )
    # A person waits the throttle's second before trying again; the test moves the failure into the past.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client.post("/accounts/otp/", {"token": current_code(device)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(event_type="totp_confirmed", actor=personas.luyuan_officer).count() == 1


def test_it_refuses_the_api_to_a_session_without_the_second_factor(personas, with_2fa):
    client = Client()
    client.post("/accounts/login/", {"username": "luyuan", "password": PASSWORD})
    response = client.get("/api/v1/orgs/units")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_it_does_not_ask_a_collector_for_a_second_factor(personas, with_2fa):
    client = Client()
    client.post("/accounts/login/", {"username": "collector", "password": PASSWORD})
    assert client.get("/").status_code == 200


def test_it_authenticates_a_device_token_and_rejects_a_forged_one(personas):
    _, secret = do_issue_api_token(
        acting_user=personas.city_admin,
        user=personas.collector,
        name="采集手机",
        unit=personas.unit("BJ-TZ-YS"),
    )
    client = Client()
    ok = client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert ok.status_code == 200 and ok.json()["username"] == "collector"
    forged = client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {secret[:-2]}xx")
    assert forged.status_code == 401


def test_it_refuses_tokens_for_roles_that_see_personal_data(personas):
    client = personas.client(personas.city_admin)
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 200
    from gonghui.accounts.actions import TokenNotForPiiRole

    try:
        do_issue_api_token(
            acting_user=personas.city_admin,
            user=personas.luyuan_officer,
            name="x",
            unit=personas.unit("BJ-TZ-LY"),
        )
    except TokenNotForPiiRole as error:
        assert error.code == "api_token_pii_role"
    else:
        raise AssertionError("a PII role must not get a bearer token")
    assert json.loads(response.content)["roles"][0]["role"] == "CITY_ADMIN"


def test_it_counts_wrong_codes_so_guessing_slows_down(personas, with_2fa):
    client = Client()
    client.post("/accounts/login/", {"username": "luyuan", "password": PASSWORD})
    client.get("/accounts/otp/")
    device = TOTPDevice.objects.get(user=personas.luyuan_officer)
    wrong = "000000" if current_code(device) != "000000" else "111111"
    for _ in range(3):
        client.post("/accounts/otp/", {"token": wrong})
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1
    # While throttled, even the right code is refused: the delay is what makes guessing hopeless.
    response = client.post("/accounts/otp/", {"token": current_code(device)})
    assert response.status_code == 200
    assert AuditEvent.objects.filter(event_type="totp_failed").count() == 4


def test_it_accepts_writes_with_a_token_and_no_csrf(personas):
    from gonghui.orgs.models import Role

    _, secret = do_issue_api_token(
        acting_user=personas.city_admin,
        user=personas.collector,
        name="采集手机",
        unit=personas.unit("BJ-TZ-YS"),
    )
    client = Client(enforce_csrf_checks=True)
    body = "11011219990520241"
    from stdnum.cn import ric

    response = client.post(
        "/api/v1/members",
        json.dumps(
            {
                "union_id": personas.unit("BJ-TZ-YS-YR").pk,
                "name": "李春贵",
                "resident_id": body + ric.calc_check_digit(body + "0"),
                "consent": True,
            },
            ensure_ascii=False,
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 201, response.content
    # Granting a role that sees personal data retires the token's reach (no way around TOTP).
    from gonghui.accounts.actions import do_grant_role

    do_grant_role(
        acting_user=personas.city_admin,
        user=personas.collector,
        unit=personas.unit("BJ-TZ-YS-YR"),
        role=Role.UNION_CHAIR,
    )
    assert client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
