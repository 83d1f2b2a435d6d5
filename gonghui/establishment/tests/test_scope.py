"""A 海淀 officer gets 404 for a 通州 case or enterprise, in the console and the API (and the other way)."""

import json

import pytest

from gonghui.establishment import actions


@pytest.fixture
def tongzhou_case(personas):  # type: ignore[no-untyped-def]
    from gonghui.enterprises.actions import EnterpriseData, do_register_enterprise
    from gonghui.enterprises.validators import with_check_character
    from gonghui.orgs.models import Region

    enterprise = do_register_enterprise(
        acting_user=personas.tongzhou_officer,
        uscc=with_check_character("91110112MA01YX01C"),
        data=EnterpriseData(
            name="北京永顺智造装备有限公司",
            district=Region.objects.get(code="110112"),
            street=Region.objects.get(code="110112120"),
            industry="C",
            unit_type="PRIVATE",
            employee_count=410,
            managing_unit=personas.unit("BJ-TZ-YS"),
        ),
    )
    return actions.do_open_case(acting_user=personas.tongzhou_officer, enterprise=enterprise)


def test_it_hides_a_tongzhou_case_from_a_haidian_officer_in_the_console(personas, tongzhou_case):
    client = personas.client(personas.haidian_officer)
    for url in [
        f"/establishment/cases/{tongzhou_case.pk}/",
        f"/establishment/cases/{tongzhou_case.pk}/record/VISITED/",
        f"/establishment/cases/{tongzhou_case.pk}/establish/",
        f"/establishment/cases/{tongzhou_case.pk}/status/pause/",
        f"/establishment/open/{tongzhou_case.enterprise_id}/",
    ]:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            f"/establishment/cases/{tongzhou_case.pk}/record/VISITED/",
            {"stage": "VISITED", "stage_date": "2026-06-01"},
        ).status_code
        == 404
    )
    listing = client.get("/establishment/cases/").content.decode()
    assert "北京永顺智造装备有限公司" not in listing
    assert "北京永顺智造装备有限公司" not in client.get("/establishment/board/").content.decode()
    assert "北京永顺智造装备有限公司" not in client.get("/establishment/").content.decode()


def test_it_hides_a_tongzhou_case_from_a_haidian_officer_in_the_api(personas, tongzhou_case):
    client = personas.client(personas.haidian_officer)
    assert client.get(f"/api/v1/establishment/cases/{tongzhou_case.pk}").status_code == 404
    body = json.dumps({"stage": "VISITED", "stage_date": "2026-06-01"})
    response = client.post(
        f"/api/v1/establishment/cases/{tongzhou_case.pk}/stages", body, content_type="application/json"
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.post(
        "/api/v1/establishment/cases",
        json.dumps({"enterprise_id": tongzhou_case.enterprise_id}),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert client.get("/api/v1/establishment/cases").json()["count"] == 0
    assert client.get("/api/v1/establishment/coverage").json()["total"]["target"] == 1  # 新意 only


def test_it_shows_the_case_to_the_officers_above_it(personas, tongzhou_case):
    for user in (personas.tongzhou_officer, personas.city_admin):
        client = personas.client(user)
        assert client.get(f"/establishment/cases/{tongzhou_case.pk}/").status_code == 200
        assert client.get(f"/api/v1/establishment/cases/{tongzhou_case.pk}").status_code == 200


def test_it_lets_a_viewer_read_but_not_write(personas, tongzhou_case):
    from gonghui.accounts.models import User

    leader = User.objects.get(username="leader")
    client = personas.client(leader)
    assert client.get(f"/establishment/cases/{tongzhou_case.pk}/").status_code == 200
    response = client.post(
        f"/api/v1/establishment/cases/{tongzhou_case.pk}/pause",
        json.dumps({"reason": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 403
