import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.establishment.models import Stage, StageRecord
from gonghui.establishment.tests.conftest import DAY

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_it_shows_coverage_with_drill_down_to_the_uncovered(personas):
    client = personas.client(personas.city_admin)
    page = client.get("/establishment/").content.decode()
    assert "海淀区" in page and "通州区" in page and "建会率" in page
    street = client.get("/establishment/?district=110108").content.decode()
    assert "甘家口街道" in street
    uncovered = client.get("/establishment/?street=110108004").content.decode()
    assert "北京新意互动广告有限公司" in uncovered and "开立建会案件" in uncovered


def test_it_opens_a_case_and_moves_it_in_the_console(personas):
    client = personas.client(personas.ganjiakou_officer)
    xinyi = personas.enterprise("xinyi")
    response = client.post(f"/establishment/open/{xinyi.pk}/", {"stage_date": DAY.isoformat()})
    assert response.status_code == 302
    case_url = response["Location"]
    case_id = int(case_url.rstrip("/").rsplit("/", 1)[-1])
    response = client.post(
        f"/establishment/cases/{case_id}/record/VISITED/",
        {
            "stage": "VISITED",
            "stage_date": (DAY + datetime.timedelta(days=3)).isoformat(),
            "next_follow_up_date": (DAY + datetime.timedelta(days=10)).isoformat(),
            "note": "走访人力资源总监",
            "evidence": SimpleUploadedFile("visit.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    record = StageRecord.objects.get(case_id=case_id, stage=Stage.VISITED)
    assert record.evidence and record.evidence_content_type == "application/pdf"
    page = client.get(case_url).content.decode()
    assert "已走访" in page and "走访人力资源总监" in page
    evidence = client.get(f"/establishment/cases/{case_id}/evidence/{record.pk}/")
    assert evidence.status_code == 200 and b"".join(evidence.streaming_content).startswith(b"%PDF")
    # Skipping without a reason is refused with the Chinese message on the form.
    response = client.post(
        f"/establishment/cases/{case_id}/record/INTENT_SIGNED/",
        {"stage": "INTENT_SIGNED", "stage_date": (DAY + datetime.timedelta(days=4)).isoformat()},
    )
    assert response.status_code == 200 and "请记录原因" in response.content.decode()


def test_it_refuses_a_fake_scan(personas):
    client = personas.client(personas.ganjiakou_officer)
    xinyi = personas.enterprise("xinyi")
    case_url = client.post(f"/establishment/open/{xinyi.pk}/", {"stage_date": DAY.isoformat()})["Location"]
    case_id = int(case_url.rstrip("/").rsplit("/", 1)[-1])
    response = client.post(
        f"/establishment/cases/{case_id}/record/VISITED/",
        {
            "stage": "VISITED",
            "stage_date": DAY.isoformat(),
            "evidence": SimpleUploadedFile("visit.pdf", b"MZ not a pdf", content_type="application/pdf"),
        },
    )
    assert response.status_code == 200
    assert not StageRecord.objects.filter(case_id=case_id, stage=Stage.VISITED).exists()


def test_it_shows_the_board_and_the_overdue_list(personas):
    from gonghui.establishment import actions

    actions.do_open_case(
        acting_user=personas.ganjiakou_officer,
        enterprise=personas.enterprise("xinyi"),
        stage_date=datetime.date(2026, 1, 5),
        next_follow_up_date=datetime.date(2026, 1, 20),
    )
    client = personas.client(personas.ganjiakou_officer)
    board = client.get("/establishment/board/").content.decode()
    assert "已摸排" in board and "北京新意互动广告有限公司" in board
    overdue = client.get("/establishment/cases/?attention=overdue").content.decode()
    assert "北京新意互动广告有限公司" in overdue and "已逾期" in overdue
    stalled = client.get("/establishment/cases/?attention=stalled").content.decode()
    assert "北京新意互动广告有限公司" in stalled
