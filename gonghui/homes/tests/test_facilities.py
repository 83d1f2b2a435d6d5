import io
import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gonghui.core.models import AuditEvent
from gonghui.homes.models import Facility, FacilityPhoto, FacilityUsage
from gonghui.homes.rules import facility_meets_checklist


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), "white")
    exif = Image.Exif()
    exif[0x8825] = {2: (39.0, 54.0, 27.0), 4: (116.0, 23.0, 17.0)}  # GPSInfo: somewhere in Beijing
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_it_adds_a_facility_and_judges_its_checklist(world):
    client = world.personas.client(world.personas.chair)
    body: dict[str, Any] = {
        "facility_type_code": "MATERNITY_ROOM",
        "name": "二楼爱心妈咪小屋",
        "area_m2": "11.5",
        "opening_hours": "工作日 9:00–18:00",
        "equipment": {"fridge": True, "sink": True, "seating": True, "lockable_door": False},
    }
    response = client.post(
        f"/api/v1/homes/{world.home.pk}/facilities", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["area_met"] is True and out["checklist_met"] is False
    facility = Facility.objects.get(pk=out["id"])
    assert not facility_meets_checklist(facility)
    body = {
        "area_m2": "11.5",
        "equipment": {**body["equipment"], "lockable_door": True, "sign_in_register": True},
    }
    response = client.put(
        f"/api/v1/homes/facilities/{facility.pk}", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["checklist_met"] is True
    assert AuditEvent.objects.filter(event_type="facility_updated", object_id=str(facility.pk)).count() == 1


def test_it_refuses_a_negative_area_with_a_stable_code_and_keeps_what_was_saved(world):
    client = world.personas.client(world.personas.chair)
    before = Facility.objects.count()
    body = {"facility_type_code": "READING_ROOM", "name": "新书屋", "area_m2": "-5"}
    response = client.post(
        f"/api/v1/homes/{world.home.pk}/facilities",
        json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "homes_area_invalid"
    assert "面积" in response.json()["message"]
    assert Facility.objects.count() == before
    existing = Facility.objects.get(home=world.home, name="职工书屋")
    response = client.put(
        f"/api/v1/homes/facilities/{existing.pk}",
        json.dumps({"area_m2": "-1"}),
        content_type="application/json",
    )
    assert response.json()["code"] == "homes_area_invalid"
    existing.refresh_from_db()
    assert str(existing.area_m2) == "40.0"


def test_it_refuses_a_checklist_answer_of_the_wrong_kind(world):
    client = world.personas.client(world.personas.chair)
    existing = Facility.objects.get(home=world.home, name="职工书屋")
    for equipment in ({"books": True}, {"fridge": True}, {"lending_register": 3}):
        response = client.put(
            f"/api/v1/homes/facilities/{existing.pk}",
            json.dumps({"area_m2": "40", "equipment": equipment}),
            content_type="application/json",
        )
        assert response.status_code == 400, equipment
        assert response.json()["code"] == "homes_equipment_invalid"


def test_it_refuses_a_pdf_renamed_jpg_and_strips_the_location_from_a_photo(world):
    client = world.personas.client(world.personas.chair)
    facility = Facility.objects.get(home=world.home, name="母婴室")
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\n", content_type="image/jpeg")
    response = client.post(
        f"/api/v1/homes/facilities/{facility.pk}/photos", {"photo": fake}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "upload_wrong_type"
    assert not FacilityPhoto.objects.exists()
    original = _jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)
    photo = SimpleUploadedFile("room.jpg", original, content_type="image/jpeg")
    response = client.post(
        f"/api/v1/homes/facilities/{facility.pk}/photos", {"photo": photo, "caption": "门口"}
    )
    assert response.status_code == 201, response.content
    stored = FacilityPhoto.objects.get()
    with stored.file.open("rb") as handle:
        kept = Image.open(io.BytesIO(handle.read()))
        assert not kept.getexif().get(0x8825)
    page = client.get(f"/homes/photos/{stored.pk}/")
    assert page.status_code == 200 and page["Content-Type"] == "image/jpeg"


def test_it_records_visits_per_month_and_corrects_a_month(world):
    client = world.personas.client(world.personas.chair)
    facility = Facility.objects.get(home=world.home, name="职工书屋")
    url = f"/api/v1/homes/facilities/{facility.pk}/usage"
    assert (
        client.post(
            url, json.dumps({"month": "2026-10", "visits": 80}), content_type="application/json"
        ).status_code
        == 200
    )
    assert (
        client.post(
            url, json.dumps({"month": "2026-10", "visits": 85}), content_type="application/json"
        ).status_code
        == 200
    )
    assert FacilityUsage.objects.get(facility=facility).visits == 85
    response = client.post(
        url, json.dumps({"month": "2099-01", "visits": 1}), content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "homes_usage_invalid"


def test_it_lets_the_chair_keep_facilities_in_the_console(world):
    from gonghui.homes.models import FacilityType

    client = world.personas.client(world.personas.chair)
    form = {
        "facility_type": FacilityType.objects.get(code="FITNESS_ROOM").pk,
        "name": "健身角",
        "area_m2": "-3",
    }
    response = client.post(f"/homes/{world.home.pk}/facilities/new/", form, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and "面积" in response.content.decode()
    form["area_m2"] = "35"
    response = client.post(f"/homes/{world.home.pk}/facilities/new/", form)
    assert response.status_code == 302
    facility = Facility.objects.get(name="健身角")
    page = client.get(f"/homes/facilities/{facility.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "健身器材" in page
    response = client.post(
        f"/homes/facilities/{facility.pk}/",
        {"form": "equipment", "area_m2": "35", "item_equipment_sets": "6", "item_safety_notice": "on"},
    )
    assert response.status_code == 302
    facility.refresh_from_db()
    assert facility.equipment == {"equipment_sets": 6, "safety_notice": True}
    assert facility_meets_checklist(facility)
    response = client.post(
        f"/homes/facilities/{facility.pk}/", {"form": "usage", "month": "2026-11", "visits": "40"}
    )
    assert response.status_code == 302 and FacilityUsage.objects.get(facility=facility).visits == 40
