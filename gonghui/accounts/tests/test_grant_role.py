import json

import pytest

from gonghui.accounts.actions import RoleAboveOwn, do_grant_role
from gonghui.accounts.models import User
from gonghui.core.errors import Forbidden
from gonghui.orgs.models import Role, RoleAssignment


def test_it_refuses_a_street_officer_granting_city_admin(personas):
    with pytest.raises(RoleAboveOwn):
        do_grant_role(
            acting_user=personas.luyuan_officer,
            user=personas.collector,
            unit=personas.unit("BJ-TZ-LY"),
            role=Role.CITY_ADMIN,
        )
    response = personas.client(personas.luyuan_officer).post(
        f"/api/v1/accounts/staff/{personas.luyuan_officer.pk}/roles",
        json.dumps({"unit_id": personas.unit("BJ-TZ-LY").pk, "role": "CITY_ADMIN"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "role_above_own"
    assert not RoleAssignment.objects.filter(role=Role.CITY_ADMIN, user=personas.luyuan_officer).exists()


def test_it_refuses_granting_above_own_role_even_inside_the_subtree(personas):
    with pytest.raises(RoleAboveOwn):
        do_grant_role(
            acting_user=personas.luyuan_officer,
            user=personas.collector,
            unit=personas.unit("BJ-TZ-LY"),
            role=Role.DISTRICT_OFFICER,
        )


def test_it_refuses_granting_outside_the_subtree(personas):
    with pytest.raises(Forbidden):
        do_grant_role(
            acting_user=personas.luyuan_officer,
            user=personas.collector,
            unit=personas.unit("BJ-TZ-YS"),
            role=Role.VIEWER,
        )
    response = personas.client(personas.luyuan_officer).post(
        "/api/v1/accounts/staff",
        json.dumps(
            {
                "username": "x-collector",
                "display_name": "某采集员",
                "password": "a-long-unusual-passphrase",
                "unit_id": personas.unit("BJ-HD").pk,
                "role": "COLLECTOR",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not User.objects.filter(username="x-collector").exists()


def test_it_lets_a_street_officer_create_a_collector_in_their_street(personas):
    response = personas.client(personas.luyuan_officer).post(
        "/api/v1/accounts/staff",
        json.dumps(
            {
                "username": "ly-collector",
                "display_name": "潞源采集员",
                "password": "a-long-unusual-passphrase",
                "phone": "138 1234 5678",
                "unit_id": personas.unit("BJ-TZ-LY").pk,
                "role": "COLLECTOR",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone_masked"] == "138****5678"
    assert [r["role"] for r in body["roles"]] == ["COLLECTOR"]
    assert User.objects.get(username="ly-collector").phone == "13812345678"


def test_it_refuses_a_role_at_the_wrong_kind_of_unit(personas):
    response = personas.client(personas.tongzhou_officer).post(
        f"/api/v1/accounts/staff/{personas.collector.pk}/roles",
        json.dumps({"unit_id": personas.unit("BJ-TZ-LY").pk, "role": "UNION_CHAIR"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "role_not_for_unit"


def test_it_refuses_a_weak_password_with_reasons(personas):
    response = personas.client(personas.luyuan_officer).post(
        "/api/v1/accounts/staff",
        json.dumps(
            {
                "username": "weak",
                "display_name": "弱密码",
                "password": "1234567890",
                "unit_id": personas.unit("BJ-TZ-LY").pk,
                "role": "VIEWER",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "password_weak"


def test_it_grants_and_revokes_in_the_console(personas):
    client = personas.client(personas.tongzhou_officer)
    unit = personas.unit("BJ-TZ-LY")
    response = client.post(f"/accounts/staff/{personas.collector.pk}/", {"unit": unit.pk, "role": "VIEWER"})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=personas.collector, unit=unit, role="VIEWER")
    response = client.post(f"/accounts/roles/{assignment.pk}/revoke/")
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None


def test_it_shows_the_street_officer_the_reason_in_the_console(personas):
    client = personas.client(personas.luyuan_officer)
    response = client.post(
        f"/accounts/staff/{personas.luyuan_officer.pk}/",
        {"unit": personas.unit("BJ-TZ-LY").pk, "role": "CITY_ADMIN"},
    )
    assert response.status_code == 200
    assert str(RoleAboveOwn.default_message) in response.content.decode()
    assert not personas.luyuan_officer.role_assignments.filter(role="CITY_ADMIN").exists()
