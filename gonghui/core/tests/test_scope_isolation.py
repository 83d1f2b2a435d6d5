"""A Haidian officer reaches nothing of Tongzhou's: every object type built so far, by id and by list,
in the console and in the API, answers 404 (not 403: existence is not disclosed)."""

import pytest

from gonghui.core.models import AuditEvent
from gonghui.enterprises.models import Worksite
from gonghui.orgs.models import RoleAssignment


def tongzhou_objects(p):  # type: ignore[no-untyped-def]
    unit = p.unit("BJ-TZ-LY")
    enterprise = p.enterprise("yunrui")
    staff = p.luyuan_officer
    assignment = RoleAssignment.objects.get(user=staff)
    return {
        "unit": (f"/orgs/{unit.pk}/", f"/api/v1/orgs/units/{unit.pk}"),
        "enterprise": (f"/enterprises/{enterprise.pk}/", f"/api/v1/enterprises/{enterprise.pk}"),
        "staff": (f"/accounts/staff/{staff.pk}/", f"/api/v1/accounts/staff/{staff.pk}"),
        "role": (None, f"/api/v1/accounts/roles/{assignment.pk}"),
    }


@pytest.mark.parametrize("kind", ["unit", "enterprise", "staff"])
def test_it_hides_another_districts_object_in_the_console(personas, kind):
    console_url, _ = tongzhou_objects(personas)[kind]
    response = personas.client(personas.haidian_officer).get(console_url)
    assert response.status_code == 404


@pytest.mark.parametrize("kind", ["unit", "enterprise", "staff"])
def test_it_hides_another_districts_object_in_the_api(personas, kind):
    _, api_url = tongzhou_objects(personas)[kind]
    response = personas.client(personas.haidian_officer).get(api_url)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_refuses_to_revoke_another_districts_role(personas):
    _, api_url = tongzhou_objects(personas)["role"]
    response = personas.client(personas.haidian_officer).delete(api_url)
    assert response.status_code == 404
    assert RoleAssignment.objects.get(user=personas.luyuan_officer).revoked_at is None


def test_it_refuses_writes_on_another_districts_unit(personas):
    unit = personas.unit("BJ-TZ-LY")
    client = personas.client(personas.haidian_officer)
    assert (
        client.post(
            f"/api/v1/orgs/units/{unit.pk}/rename", {"name": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.post(f"/orgs/{unit.pk}/close/").status_code == 404
    unit.refresh_from_db()
    assert unit.name == "潞源街道总工会" and unit.status == "ACTIVE"


def test_it_lists_only_the_users_own_subtree(personas):
    client = personas.client(personas.haidian_officer)
    units = {u["code"] for u in client.get("/api/v1/orgs/units").json()["items"]}
    assert units == {"BJ-HD", "BJ-HD-GJK"}
    tree = {u["code"] for u in client.get("/api/v1/orgs/tree").json()}
    assert tree == {"BJ-HD", "BJ-HD-GJK"}
    enterprises = {e["name"] for e in client.get("/api/v1/enterprises").json()["items"]}
    assert enterprises == {"北京新意互动广告有限公司"}
    staff = {s["username"] for s in client.get("/api/v1/accounts/staff").json()["items"]}
    assert staff == {"haidian", "ganjiakou"}
    worksites = client.get("/api/v1/enterprises/worksites").json()["items"]
    assert worksites == []
    assert Worksite.objects.count() == 1
    page = client.get("/orgs/").content.decode()
    assert "海淀区总工会" in page and "通州区总工会" not in page and "潞源" not in page


def test_it_scopes_the_audit_log(personas):
    haidian = personas.client(personas.haidian_officer)
    events = haidian.get("/api/v1/audit/events?limit=500").json()["items"]
    tongzhou_ids = {str(personas.unit(code).pk) for code in ("BJ-TZ", "BJ-TZ-LY", "BJ-TZ-YS", "BJ-TZ-LC")}
    assert events, "Haidian's own events must be visible"
    assert all(e["unit_id"] not in {int(i) for i in tongzhou_ids} for e in events)
    assert AuditEvent.objects.filter(unit=personas.unit("BJ-TZ-LY")).exists()
    page = haidian.get("/accounts/audit/").content.decode()
    assert "潞源街道总工会" not in page


def test_it_lets_a_street_officer_see_only_their_street(personas):
    client = personas.client(personas.luyuan_officer)
    assert client.get(f"/orgs/{personas.unit('BJ-TZ-LY').pk}/").status_code == 200
    assert client.get(f"/orgs/{personas.unit('BJ-TZ').pk}/").status_code == 404
    assert client.get(f"/enterprises/{personas.enterprise('yunrui').pk}/").status_code == 404


def test_it_gives_a_role_less_login_nothing(personas):
    client = personas.client(personas.outsider)
    assert client.get("/api/v1/orgs/units").json()["items"] == []
    assert client.get(f"/api/v1/orgs/units/{personas.unit('BJ').pk}").status_code == 404


def test_it_gives_partner_roles_no_subtree_reach(personas):
    client = personas.client(personas.bank_operator)
    assert client.get("/api/v1/orgs/units").json()["items"] == []
    assert client.get(f"/api/v1/enterprises/{personas.enterprise('yunrui').pk}").status_code == 404


def test_it_lists_worksites_only_in_the_users_area(personas):
    assert (
        "城市副中心周转房项目三标段"
        in personas.client(personas.luyuan_officer).get("/enterprises/worksites/").content.decode()
    )
    assert (
        "城市副中心周转房项目三标段"
        not in personas.client(personas.haidian_officer).get("/enterprises/worksites/").content.decode()
    )


def test_it_moves_a_unions_history_with_the_union(personas):
    from gonghui.orgs.actions import do_move_org_unit

    yunrui = personas.unit("BJ-TZ-YS-YR")
    before = personas.client(personas.tongzhou_officer).get("/api/v1/audit/events?limit=500").json()["items"]
    assert any(e["unit_id"] == yunrui.pk for e in before)
    do_move_org_unit(acting_user=personas.city_admin, unit=yunrui, new_parent=personas.unit("BJ-HD-GJK"))
    tongzhou = (
        personas.client(personas.tongzhou_officer).get("/api/v1/audit/events?limit=500").json()["items"]
    )
    haidian = personas.client(personas.haidian_officer).get("/api/v1/audit/events?limit=500").json()["items"]
    assert not any(e["unit_id"] == yunrui.pk for e in tongzhou)
    assert any(e["unit_id"] == yunrui.pk for e in haidian)
