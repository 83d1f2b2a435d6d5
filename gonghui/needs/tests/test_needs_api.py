"""/api/v1/needs: the whole flow over JSON, and the declared errors (stable code, Chinese message)."""

from django.utils import timezone

from gonghui.needs.models import Need


def _post(client, url, body):  # type: ignore[no-untyped-def]
    return client.post(url, body, content_type="application/json")


def _need_body(circle, **overrides):  # type: ignore[no-untyped-def]
    body = {
        "committee_id": circle.committee.pk,
        "work_type_id": circle.haircut.pk,
        "deadline_class": "URGENT",
        "title": "三标段理发",
        "people_count": 90,
        "worksite_id": circle.worksite.pk,
    }
    return body | overrides


def test_it_runs_the_flow_over_the_api(circle):
    officer = circle.personas.client(circle.personas.luyuan_officer)
    response = _post(officer, "/api/v1/needs", _need_body(circle))
    assert response.status_code == 201, response.content
    need = response.json()
    assert need["status"] == "OPEN" and need["deadline_class"] == "URGENT"
    barber = circle.personas.client(circle.barber)
    claim = _post(barber, f"/api/v1/needs/{need['id']}/claim", {"work_type_ids": [circle.haircut.pk]})
    assert claim.status_code == 201 and claim.json()["unit_name"] == "通州区帮扶志愿服务队"
    event = _post(
        barber,
        f"/api/v1/needs/{need['id']}/schedule",
        {"starts_at": timezone.now().isoformat(), "place": "工地阴凉处", "brought": "4位理发师"},
    )
    assert event.status_code == 201, event.content
    served = _post(barber, f"/api/v1/needs/events/{event.json()['id']}/served", {"head_count": 94})
    assert served.status_code == 201 and served.json()["people_served"] == 94
    closed = _post(barber, f"/api/v1/needs/{need['id']}/close", {"closure": "RESOLVED"})
    assert closed.status_code == 200 and closed.json()["status"] == "CLOSED"
    confirmed = _post(officer, f"/api/v1/needs/{need['id']}/confirm", {"satisfaction": 4})
    assert confirmed.status_code == 200 and confirmed.json()["satisfaction"] == 4


def test_it_answers_a_deadline_class_that_does_not_exist_with_a_clear_400(circle):
    officer = circle.personas.client(circle.personas.luyuan_officer)
    response = _post(officer, "/api/v1/needs", _need_body(circle, deadline_class="WHENEVER"))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "needs_deadline_class_unknown" and body["field"] == "deadline_class"
    assert "紧急程度" in body["message"] or "列表" in body["message"]
    assert not Need.objects.filter(committee=circle.committee).exists()


def test_it_answers_a_claim_of_a_closed_need_with_409(circle):
    need = circle.post()
    officer = circle.personas.client(circle.personas.luyuan_officer)
    assert (
        _post(
            officer, f"/api/v1/needs/{need.pk}/close", {"closure": "NOT_OURS", "reason": "物业负责"}
        ).status_code
        == 200
    )
    response = _post(
        circle.personas.client(circle.barber),
        f"/api/v1/needs/{need.pk}/claim",
        {"work_type_ids": [circle.haircut.pk]},
    )
    assert response.status_code == 409 and response.json()["code"] == "needs_need_closed"
    assert "已" in response.json()["message"]


def test_it_names_the_field_of_an_unreachable_place_or_committee(circle):
    officer = circle.personas.client(circle.personas.luyuan_officer)
    response = _post(officer, "/api/v1/needs", _need_body(circle, committee_id=circle.ganjiakou_committee.pk))
    assert response.status_code == 404 and response.json()["field"] == "committee_id"
    response = _post(officer, "/api/v1/needs", _need_body(circle, work_type_id=987654))
    assert response.status_code == 400 and response.json()["code"] == "needs_work_type_unknown"


def test_it_lists_the_board_with_overdue_first(circle):
    from datetime import timedelta

    late = circle.post(title="送清凉", now=timezone.now() - timedelta(days=9))
    fresh = circle.post(title="新的理发", work_type=circle.finance)
    officer = circle.personas.client(circle.personas.luyuan_officer)
    ids = [n["id"] for n in officer.get("/api/v1/needs").json()["items"]]
    assert ids == [late.pk, fresh.pk]
    overdue = officer.get("/api/v1/needs?tab=OVERDUE").json()
    assert [n["id"] for n in overdue["items"]] == [late.pk] and overdue["count"] == 1
