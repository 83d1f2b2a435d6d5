"""The enterprise list import: dry run with a problem report (问题 column), import, re-import updating the
counts and keeping their history, idempotent by USCC; scope as everywhere."""

import io

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from gonghui.enterprises.models import Enterprise
from gonghui.enterprises.validators import with_check_character
from gonghui.establishment.models import EmployeeCount, EnterpriseImport

HEADER = "统一社会信用代码,企业名称,地址,区,街道,行业,单位类型,职工人数,女职工人数,联系人,联系电话"
GOOD_A = with_check_character("91110108MA01GJK3C")
GOOD_B = with_check_character("91110108MA01GJK4D")
BAD_CHECK = GOOD_A[:-1] + ("0" if GOOD_A[-1] != "0" else "1")


def csv_list(staff_a: int = 320, extra: str = "") -> bytes:
    lines = [
        HEADER,
        f"{GOOD_A},北京甘家口云图科技有限公司,甘家口路1号,海淀区,甘家口街道,信息传输、软件和信息技术服务业,私营,{staff_a},100,王经理,13912345678",
        f"{GOOD_B},北京阜外餐饮管理有限公司,阜外大街2号,海淀区,甘家口,住宿和餐饮业,有限责任公司,150,90,,",
        f"{BAD_CHECK},校验码错的公司,,海淀区,甘家口街道,,,200,10,,",
        f"{GOOD_B},重复的一行,,海淀区,甘家口街道,,,150,90,,",
        f"{with_check_character('91110112MA01YX03E')},通州的企业,,通州区,永顺镇,,,500,100,,",
        f"{with_check_character('91110108MA01GJK5F')},女职工太多的公司,,海淀区,甘家口街道,,,100,120,,",
    ]
    return ("\n".join(lines) + extra + "\n").encode("utf-8-sig")


def upload(client, personas, content: bytes, name: str = "list.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        "/establishment/imports/",
        {
            "managing_unit": personas.unit("BJ-HD").pk,
            "source": "TAX",
            "file": SimpleUploadedFile(name, content),
        },
    )


def test_it_checks_then_imports_a_list_and_reports_each_bad_row(personas):
    client = personas.client(personas.haidian_officer)
    response = upload(client, personas, csv_list())
    assert response.status_code == 302, response.content.decode()[:1000]
    job = EnterpriseImport.objects.get()
    assert job.status == EnterpriseImport.Status.CHECKED and not job.committed
    assert (job.created_count, job.updated_count, job.rejected_count) == (2, 0, 4)
    assert not Enterprise.objects.filter(uscc=GOOD_A).exists()  # a dry run writes nothing
    page = client.get(f"/establishment/imports/{job.pk}/").content.decode()
    assert "导入无问题的行" in page and "将新增" in page
    report = client.get(f"/establishment/imports/{job.pk}/report/")
    assert report.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(report.streaming_content))).get_sheet_by_index(
        0
    )
    rows = sheet.to_python()
    assert rows[0][-1] == "问题"
    problems = {str(r[1]): str(r[-1]) for r in rows[1:]}
    assert "校验" in problems["校验码错的公司"]
    assert problems["重复的一行"] and problems["通州的企业"] and problems["女职工太多的公司"]
    assert client.post(f"/establishment/imports/{job.pk}/import/").status_code == 302
    job.refresh_from_db()
    assert job.status == EnterpriseImport.Status.DONE and job.created_count == 2
    a = Enterprise.objects.get(uscc=GOOD_A)
    assert a.employee_count == 320 and a.street is not None and a.street.name == "甘家口街道"
    assert a.managing_unit == personas.unit("BJ-HD-GJK")  # looked after by its street's federation
    assert a.industry == "I" and a.unit_type == "PRIVATE" and a.contact_phone == "13912345678"
    assert EmployeeCount.objects.filter(enterprise=a).count() == 1


def test_it_updates_counts_on_reimport_and_keeps_their_history(personas):
    client = personas.client(personas.haidian_officer)
    for staff in (320, 320, 345):
        upload(client, personas, csv_list(staff_a=staff))
        job_id = EnterpriseImport.objects.order_by("-pk").values_list("pk", flat=True)[0]
        client.post(f"/establishment/imports/{job_id}/import/")
    job = EnterpriseImport.objects.get(pk=job_id)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 1)
    a = Enterprise.objects.get(uscc=GOOD_A)
    assert a.employee_count == 345
    assert list(
        EmployeeCount.objects.filter(enterprise=a).order_by("pk").values_list("employee_count", flat=True)
    ) == [320, 345]
    assert Enterprise.objects.filter(uscc__in=[GOOD_A, GOOD_B]).count() == 2


def test_it_reads_an_xlsx_as_excel_writes_it(personas):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["企业名单（来自区税务局）"])
    sheet.write_row(1, 0, HEADER.split(","))
    sheet.write_row(
        2, 0, [GOOD_A, "北京甘家口云图科技有限公司", "", "海淀区", "甘家口街道", "I", "私营", 320.0, 100]
    )
    book.close()
    client = personas.client(personas.haidian_officer)
    upload(client, personas, buffer.getvalue(), name="名单.xlsx")
    job = EnterpriseImport.objects.get()
    assert job.status == EnterpriseImport.Status.CHECKED and job.file_kind == "xlsx"
    assert job.created_count == 1 and job.rejected_count == 0


def test_it_refuses_a_file_that_is_not_a_list(personas):
    client = personas.client(personas.haidian_officer)
    upload(client, personas, b"%PDF-1.4 not a sheet", name="list.xlsx")
    job = EnterpriseImport.objects.get()
    assert job.status == EnterpriseImport.Status.REFUSED and job.error_message
    upload(client, personas, "名称,地址\n某公司,某地\n".encode(), name="list.csv")
    header_job = EnterpriseImport.objects.order_by("-pk")[0]
    assert header_job.status == EnterpriseImport.Status.REFUSED
    assert header_job.error_code == "enterprise_import_header"


def test_it_keeps_another_districts_lists_and_enterprises_out_of_reach(personas):
    client = personas.client(personas.haidian_officer)
    upload(client, personas, csv_list())
    job = EnterpriseImport.objects.get()
    tongzhou = personas.client(personas.tongzhou_officer)
    assert tongzhou.get(f"/establishment/imports/{job.pk}/").status_code == 404
    assert tongzhou.get(f"/api/v1/establishment/imports/{job.pk}").status_code == 404
    assert tongzhou.post(f"/api/v1/establishment/imports/{job.pk}/import").status_code == 404
    response = tongzhou.post(
        "/establishment/imports/",
        {
            "managing_unit": personas.unit("BJ-HD").pk,
            "source": "TAX",
            "file": SimpleUploadedFile("l.csv", csv_list()),
        },
    )
    assert response.status_code == 200 and EnterpriseImport.objects.count() == 1  # not a unit they can choose


def test_it_imports_through_the_api(personas):
    client = personas.client(personas.ganjiakou_officer)
    response = client.post(
        "/api/v1/establishment/imports",
        {
            "managing_unit_id": personas.unit("BJ-HD-GJK").pk,
            "source": "SOCIAL_INSURANCE",
            "file": SimpleUploadedFile("l.csv", csv_list()),
        },
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "CHECKED" and body["created_count"] == 2
    response = client.post(f"/api/v1/establishment/imports/{body['id']}/import")
    assert response.status_code == 202 and response.json()["status"] == "DONE"
