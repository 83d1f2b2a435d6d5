"""A 海淀 officer cannot read, approve or transfer a 通州 member: every door answers 404."""

import json

from stdnum.cn import ric

from gonghui.members.actions import EnrolmentData, do_enrol_member
from gonghui.members.models import Channel, Membership


def pending_tongzhou_member(personas):  # type: ignore[no-untyped-def]
    body = "11011219990520241"
    return do_enrol_member(
        acting_user=None,
        union=personas.unit("BJ-TZ-YS-YR"),
        data=EnrolmentData(name="李春贵", resident_id=body + ric.calc_check_digit(body + "0")),
        channel=Channel.SELF_SERVICE,
        consent_given=True,
    ).membership


def test_it_hides_a_tongzhou_member_from_haidian(personas):
    membership = pending_tongzhou_member(personas)
    client = personas.client(personas.haidian_officer)
    api = [
        ("get", f"/api/v1/members/{membership.pk}"),
        ("get", f"/api/v1/members/{membership.pk}/history"),
        ("post", f"/api/v1/members/{membership.pk}/approve"),
        ("post", f"/api/v1/members/{membership.pk}/reject"),
        ("post", f"/api/v1/members/{membership.pk}/reveal"),
    ]
    for method, url in api:
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(
                url, json.dumps({"reason": "x", "field": "phone"}), content_type="application/json"
            )
        assert response.status_code == 404, url
    for url in (f"/members/{membership.pk}/", f"/members/{membership.pk}/approve/"):
        assert (client.get(url) if url.endswith(f"{membership.pk}/") else client.post(url)).status_code == 404
    assert client.get("/api/v1/members").json()["items"] == []
    assert client.get("/api/v1/members/review-queue").json()["items"] == []
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING


def test_it_refuses_a_haidian_officer_enrolling_into_a_tongzhou_union(personas):
    client = personas.client(personas.haidian_officer)
    body = "11011219990520241"
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
    )
    assert response.status_code == 404
    assert not Membership.objects.exists()


def test_it_hides_transfers_of_other_districts(personas):
    pending_tongzhou_member(personas)
    client = personas.client(personas.haidian_officer)
    assert client.get("/api/v1/members/transfers").json()["items"] == []
    assert (
        client.post(
            "/api/v1/members/transfers/1/decide",
            json.dumps({"approve": True}),
            content_type="application/json",
        ).status_code
        == 404
    )
