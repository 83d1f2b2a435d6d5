import json

from gonghui.core.models import AuditEvent
from gonghui.enterprises.models import Enterprise
from gonghui.enterprises.validators import with_check_character

NEW_USCC = with_check_character("91110112MA01D3E4F")


def payload(personas, **over):  # type: ignore[no-untyped-def]
    body = {
        "uscc": NEW_USCC,
        "name": "北京副中心建设工程有限公司",
        "district_code": "110112",
        "street_code": "110112007",
        "industry": "E",
        "unit_type": "STATE_OWNED",
        "employee_count": 420,
        "female_employee_count": 60,
        "contact_name": "刘经理",
        "contact_phone": "13912345678",
        "managing_unit_id": personas.unit("BJ-TZ-LY").pk,
    }
    body.update(over)
    return json.dumps(body, ensure_ascii=False)


def test_it_registers_an_enterprise_through_the_api(personas):
    client = personas.client(personas.luyuan_officer)
    response = client.post("/api/v1/enterprises", payload(personas), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["contact_phone_masked"] == "139****5678"
    assert "13912345678" not in response.content.decode()
    assert Enterprise.objects.get(uscc=NEW_USCC).contact_phone == "13912345678"


def test_it_refuses_a_second_enterprise_with_the_same_code(personas):
    client = personas.client(personas.luyuan_officer)
    client.post("/api/v1/enterprises", payload(personas), content_type="application/json")
    response = client.post(
        "/api/v1/enterprises", payload(personas, name="别的名字"), content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "enterprise_exists"
    assert Enterprise.objects.filter(uscc=NEW_USCC).count() == 1


def test_it_refuses_bad_enterprise_data_with_stable_codes(personas):
    client = personas.client(personas.luyuan_officer)
    cases = [
        (payload(personas, uscc="91110112MA01D3E4F0"), "uscc_invalid"),
        (payload(personas, female_employee_count=500), "enterprise_women_exceed_employees"),
        (payload(personas, street_code="110108004"), "enterprise_street_not_in_district"),
        (payload(personas, contact_phone="12345"), "phone_invalid"),
    ]
    for body, code in cases:
        response = client.post("/api/v1/enterprises", body, content_type="application/json")
        assert response.status_code == 400, (code, response.content)
        assert response.json()["code"] == code
    assert not Enterprise.objects.filter(uscc=NEW_USCC).exists()


def test_it_refuses_a_managing_unit_outside_the_officers_area(personas):
    client = personas.client(personas.luyuan_officer)
    response = client.post(
        "/api/v1/enterprises",
        payload(personas, managing_unit_id=personas.unit("BJ-HD-GJK").pk),
        content_type="application/json",
    )
    assert response.status_code == 404


def test_it_logs_every_full_view_of_a_contact_phone(personas):
    enterprise = personas.enterprise("xinyi")
    enterprise.contact_phone = "13811112222"
    enterprise.save()
    ganjiakou = personas.client(personas.ganjiakou_officer)
    page = ganjiakou.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert "138****2222" in page and "13811112222" not in page
    response = ganjiakou.post(f"/enterprises/{enterprise.pk}/reveal-phone/")
    assert "13811112222" in response.content.decode()
    event = AuditEvent.objects.get(event_type="pii_revealed")
    assert event.actor == personas.ganjiakou_officer and event.details == {"field": "contact_phone"}


def test_it_shows_a_viewer_only_the_masked_phone(personas):
    from gonghui.accounts.models import User

    enterprise = personas.enterprise("yunrui")
    enterprise.contact_phone = "13811113333"
    enterprise.save()
    leader = personas.client(User.objects.get(username="leader"))
    response = leader.post(f"/api/v1/enterprises/{enterprise.pk}/reveal-contact-phone")
    assert response.status_code == 403
    assert response.json()["code"] == "pii_reveal_forbidden"
    assert not AuditEvent.objects.filter(event_type="pii_revealed").exists()


def test_it_registers_and_edits_in_the_console(personas):
    client = personas.client(personas.luyuan_officer)
    from gonghui.orgs.models import Region

    form = {
        "uscc": NEW_USCC,
        "name": "北京副中心建设工程有限公司",
        "district": Region.objects.get(code="110112").pk,
        "street": Region.objects.get(code="110112007").pk,
        "industry": "E",
        "unit_type": "STATE_OWNED",
        "employee_count": 420,
        "female_employee_count": 60,
        "managing_unit": personas.unit("BJ-TZ-LY").pk,
    }
    response = client.post("/enterprises/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    enterprise = Enterprise.objects.get(uscc=NEW_USCC)
    form.pop("uscc")
    form["employee_count"] = 450
    assert client.post(f"/enterprises/{enterprise.pk}/edit/", form).status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.employee_count == 450
    response = client.post("/enterprises/new/", {**form, "uscc": "123"})
    assert response.status_code == 200 and "18" in response.content.decode()
