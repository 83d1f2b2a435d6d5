import json

import pytest

from gonghui.orgs.actions import (
    ChildKindNotAllowed,
    MoveIntoOwnSubtree,
    UnitCodeTaken,
    UnitHasActiveChildren,
    do_create_org_unit,
    do_move_org_unit,
)
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.queries import subtree


def test_it_builds_the_materialised_path(personas):
    unit = do_create_org_unit(
        acting_user=personas.luyuan_officer,
        parent=personas.unit("BJ-TZ-LY"),
        code="ly-site-3",
        name="周转房项目三标段联合工会",
        kind=OrgUnit.Kind.JOINT,
    )
    assert unit.code == "LY-SITE-3"
    assert unit.path == f"{personas.unit('BJ-TZ-LY').path}{unit.pk}/"
    assert unit.depth == 3
    assert set(subtree(personas.unit("BJ-TZ"))) >= {unit, personas.unit("BJ-TZ-LY")}


def test_it_moves_a_whole_subtree(personas):
    joint = do_create_org_unit(
        acting_user=personas.tongzhou_officer,
        parent=personas.unit("BJ-TZ-YS"),
        code="J1",
        name="联合工会",
        kind="JOINT",
    )
    member = do_create_org_unit(
        acting_user=personas.tongzhou_officer, parent=joint, code="J1-A", name="甲公司工会", kind="GRASSROOTS"
    )
    do_move_org_unit(acting_user=personas.tongzhou_officer, unit=joint, new_parent=personas.unit("BJ-TZ-LC"))
    joint.refresh_from_db()
    member.refresh_from_db()
    lc = personas.unit("BJ-TZ-LC")
    assert joint.parent == lc and joint.path == f"{lc.path}{joint.pk}/"
    assert member.path == f"{lc.path}{joint.pk}/{member.pk}/" and member.depth == joint.depth + 1
    assert list(subtree(personas.unit("BJ-TZ-YS")).filter(code__startswith="J1")) == []


def test_it_refuses_a_move_under_its_own_subtree(personas):
    joint = do_create_org_unit(
        acting_user=personas.tongzhou_officer,
        parent=personas.unit("BJ-TZ-YS"),
        code="J2",
        name="联合工会",
        kind="JOINT",
    )
    member = do_create_org_unit(
        acting_user=personas.tongzhou_officer, parent=joint, code="J2-A", name="乙公司工会", kind="GRASSROOTS"
    )
    with pytest.raises((MoveIntoOwnSubtree, ChildKindNotAllowed)):
        do_move_org_unit(acting_user=personas.tongzhou_officer, unit=joint, new_parent=member)
    with pytest.raises(MoveIntoOwnSubtree):
        do_move_org_unit(
            acting_user=personas.tongzhou_officer, unit=personas.unit("BJ-TZ-YS"), new_parent=joint
        )


def test_it_refuses_a_duplicate_code_and_a_wrong_kind(personas):
    with pytest.raises(UnitCodeTaken):
        do_create_org_unit(
            acting_user=personas.tongzhou_officer,
            parent=personas.unit("BJ-TZ"),
            code="bj-tz-ly",
            name="x",
            kind="STREET",
        )
    with pytest.raises(ChildKindNotAllowed):
        do_create_org_unit(
            acting_user=personas.tongzhou_officer,
            parent=personas.unit("BJ-TZ-LY"),
            code="Z",
            name="x",
            kind="DISTRICT",
        )


def test_it_closes_a_unit_only_without_active_children(personas):
    client = personas.client(personas.tongzhou_officer)
    street = personas.unit("BJ-TZ-YS")
    response = client.post(f"/api/v1/orgs/units/{street.pk}/close")
    assert response.status_code == 400
    assert response.json()["code"] == UnitHasActiveChildren.code
    lc = personas.unit("BJ-TZ-LC")
    response = client.post(f"/api/v1/orgs/units/{lc.pk}/close")
    assert response.status_code == 200 and response.json()["status"] == "CLOSED"


def test_it_creates_renames_and_moves_in_the_console(personas):
    client = personas.client(personas.tongzhou_officer)
    ly = personas.unit("BJ-TZ-LY")
    response = client.post(
        f"/orgs/{ly.pk}/",
        {"op": "create", "new-code": "LY-9", "new-name": "新工会", "new-kind": "GRASSROOTS"},
    )
    assert response.status_code == 302
    unit = OrgUnit.objects.get(code="LY-9")
    client.post(f"/orgs/{unit.pk}/", {"op": "rename", "rename-name": "改名后的工会"})
    client.post(f"/orgs/{unit.pk}/", {"op": "move", "move-parent": personas.unit("BJ-TZ-LC").pk})
    unit.refresh_from_db()
    assert unit.name == "改名后的工会" and unit.parent == personas.unit("BJ-TZ-LC")


def test_it_shows_a_form_error_for_a_taken_code(personas):
    client = personas.client(personas.tongzhou_officer)
    ly = personas.unit("BJ-TZ-LY")
    response = client.post(
        f"/orgs/{ly.pk}/",
        {"op": "create", "new-code": "BJ-TZ-YS-YR", "new-name": "重复", "new-kind": "GRASSROOTS"},
    )
    assert response.status_code == 200
    assert "BJ-TZ-YS-YR" in response.content.decode()
    assert OrgUnit.objects.filter(code="BJ-TZ-YS-YR").count() == 1


def test_it_gives_the_tree_counts_for_each_subtree(personas):
    nodes = {n["code"]: n for n in personas.client(personas.city_admin).get("/api/v1/orgs/tree").json()}
    assert nodes["BJ"]["units_below"] == 8
    assert nodes["BJ-TZ"]["grassroots_below"] == 2
    assert nodes["BJ"]["enterprises_below"] == 2
    assert nodes["BJ-HD-GJK"]["enterprises_below"] == 1
    assert json.dumps(nodes, ensure_ascii=False).count("北京市总工会") == 1


def test_it_lets_a_viewer_read_but_not_change(personas):
    from gonghui.accounts.models import User

    leader = User.objects.get(username="leader")
    client = personas.client(leader)
    ly = personas.unit("BJ-TZ-LY")
    assert client.get(f"/api/v1/orgs/units/{ly.pk}").status_code == 200
    response = client.post(
        f"/api/v1/orgs/units/{ly.pk}/rename", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
