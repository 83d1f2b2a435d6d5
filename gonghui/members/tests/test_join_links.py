"""Join links, staff side: who may make them, regenerating and revoking, scope, the poster page and API."""

import json

import pytest

from gonghui.core.errors import Forbidden
from gonghui.core.models import AuditEvent
from gonghui.enterprises.models import Worksite
from gonghui.members import access, join, queries
from gonghui.members.actions import NotAMemberUnion
from gonghui.members.models import JoinLink
from gonghui.orgs.actions import do_create_org_unit

YUNRUI = "BJ-TZ-YS-YR"
SITE = "城市副中心周转房项目三标段"


def make_link(p, **kw) -> JoinLink:  # type: ignore[no-untyped-def]
    return join.do_create_join_link(
        acting_user=kw.pop("user", p.chair), union=kw.pop("union", p.unit(YUNRUI)), **kw
    )


def test_it_lets_the_union_chair_create_a_link_with_an_unguessable_token(personas):
    before = AuditEvent.objects.count()
    link = make_link(personas, label="食堂门口")
    other = make_link(personas)
    assert link.is_active and link.revoked_at is None and link.created_by == personas.chair
    assert len(link.token) >= 22 and link.token != other.token
    assert AuditEvent.objects.count() == before + 2
    event = AuditEvent.objects.filter(event_type="join_link_created").first()
    assert event is not None and event.unit == personas.unit(YUNRUI)
    assert link.token not in json.dumps([event.details, event.object_label])


def test_it_refuses_a_collector_and_a_federation(personas):
    with pytest.raises(Forbidden):
        make_link(personas, user=personas.collector)
    with pytest.raises(NotAMemberUnion):
        make_link(personas, user=personas.tongzhou_officer, union=personas.unit("BJ-TZ-YS"))
    assert not JoinLink.objects.exists()


def test_it_attaches_a_worksite_of_the_unions_area_but_not_a_foreign_one(personas):
    site = Worksite.objects.get(name=SITE)  # looked after by 潞源街道
    joint = do_create_org_unit(
        acting_user=personas.luyuan_officer,
        parent=personas.unit("BJ-TZ-LY"),
        code="LY-SITE-J",
        name="三标段项目联合工会",
        kind="JOINT",
    )
    link = make_link(personas, user=personas.luyuan_officer, union=joint, worksite=site)
    assert link.worksite == site
    # 云锐's chair sees nothing of 潞源 and 云锐 is not in 潞源: the worksite is not theirs to use.
    assert site not in queries.worksites_for_links(personas.chair)
    with pytest.raises(join.WorksiteNotAvailable):
        make_link(personas, worksite=site)


def test_a_regenerated_token_kills_the_old_one(personas):
    link = make_link(personas)
    old = link.token
    before = AuditEvent.objects.count()
    join.do_regenerate_join_link(acting_user=personas.chair, link=link)
    link.refresh_from_db()
    assert link.token != old and link.is_active
    assert AuditEvent.objects.count() == before + 1
    with pytest.raises(access.JoinLinkNotFound):
        access.get_active_link(old)
    assert access.get_active_link(link.token) == link
    response = personas.client(personas.outsider).get(f"/join/{old}/")
    assert response.status_code == 404
    assert "二维码已失效" in response.content.decode()


def test_a_revoked_link_stops_working_and_cannot_be_revived(personas):
    link = make_link(personas)
    join.do_revoke_join_link(acting_user=personas.chair, link=link)
    link.refresh_from_db()
    assert not link.is_active and link.revoked_at is not None
    with pytest.raises(access.JoinLinkNotFound):
        access.get_active_link(link.token)
    with pytest.raises(join.JoinLinkRevoked):
        join.do_regenerate_join_link(acting_user=personas.chair, link=link)
    assert AuditEvent.objects.filter(event_type="join_link_revoked").count() == 1


def test_another_districts_officer_gets_404_on_a_link(personas):
    link = make_link(personas)
    haidian = personas.client(personas.haidian_officer)
    for url in (f"/join/links/{link.pk}/poster/",):
        assert haidian.get(url).status_code == 404
    assert haidian.post(f"/join/links/{link.pk}/regenerate/").status_code == 404
    assert haidian.post(f"/join/links/{link.pk}/revoke/").status_code == 404
    api = haidian.get(f"/api/v1/join/links/{link.pk}")
    assert api.status_code == 404 and api.json()["code"] == "not_found"
    assert haidian.get("/api/v1/join/links").json()["items"] == []
    link.refresh_from_db()
    assert link.is_active
    # A collector of the union's own street sees it exists nowhere either: links are for chairs and up.
    assert personas.client(personas.collector).get(f"/join/links/{link.pk}/poster/").status_code == 404


def test_the_chair_creates_a_link_and_prints_its_poster(personas):
    client = personas.client(personas.chair)
    page = client.get("/join/links/")
    assert page.status_code == 200
    assert "北京云锐国际文化传媒有限公司工会" in page.content.decode()
    response = client.post("/join/links/", {"union": personas.unit(YUNRUI).pk, "label": "一楼大厅"})
    link = JoinLink.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/join/links/{link.pk}/poster/"
    poster = client.get(response["Location"]).content.decode()
    assert "<svg" in poster and f"http://testserver/join/{link.token}/" in poster
    assert "扫码加入工会" in poster and "@media print" in poster
    listing = client.get("/join/links/").content.decode()
    assert "一楼大厅" in listing


def test_the_poster_prints_the_public_base_url_when_set(personas, settings):
    settings.GONGHUI_PUBLIC_BASE_URL = "https://gonghui.example.cn/"
    link = make_link(personas)
    poster = personas.client(personas.chair).get(f"/join/links/{link.pk}/poster/").content.decode()
    assert f"https://gonghui.example.cn/join/{link.token}/" in poster


def test_regenerate_and_revoke_from_the_console(personas):
    link = make_link(personas)
    old = link.token
    client = personas.client(personas.chair)
    assert client.post(f"/join/links/{link.pk}/regenerate/").status_code == 302
    link.refresh_from_db()
    assert link.token != old
    assert client.get(f"/join/links/{link.pk}/regenerate/").status_code == 405
    assert client.post(f"/join/links/{link.pk}/revoke/").status_code == 302
    link.refresh_from_db()
    assert not link.is_active
    again = client.post(f"/join/links/{link.pk}/revoke/")
    assert again.status_code == 409 and "join_link_revoked" in again.content.decode()


def test_the_api_manages_links(personas):
    client = personas.client(personas.tongzhou_officer)
    site = Worksite.objects.get(name=SITE)
    created = client.post(
        "/api/v1/join/links",
        json.dumps({"union_id": personas.unit(YUNRUI).pk, "worksite_id": site.pk, "label": "工地"}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["url"] == f"/join/{body['token']}/" and body["worksite_id"] == site.pk
    regenerated = client.post(f"/api/v1/join/links/{body['id']}/regenerate")
    assert regenerated.status_code == 200 and regenerated.json()["token"] != body["token"]
    revoked = client.post(f"/api/v1/join/links/{body['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    # Unknown union id and a worksite out of reach are refused, not 500s.
    bad = client.post("/api/v1/join/links", json.dumps({"union_id": 999999}), content_type="application/json")
    assert bad.status_code == 404
    chair = personas.client(personas.chair).post(
        "/api/v1/join/links",
        json.dumps({"union_id": personas.unit(YUNRUI).pk, "worksite_id": site.pk}),
        content_type="application/json",
    )
    assert chair.status_code == 400 and chair.json()["code"] == "join_link_worksite"


def test_the_api_needs_a_login_for_links(personas):
    from django.test import Client

    assert Client().get("/api/v1/join/links").status_code == 401
