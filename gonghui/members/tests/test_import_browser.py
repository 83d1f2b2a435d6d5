"""In a real Chromium: an officer downloads the template, uploads a messy roster, reads the dry-run report,
imports, watches the progress bar finish (a real job worker runs the queued jobs while the page polls),
and downloads the report file. Screenshots: artifacts/screenshots/roster-*.png."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect
from python_calamine import CalamineWorkbook

from gonghui.core.tests import test_browser as kit
from gonghui.members.models import ImportJob, Membership
from gonghui.members.tests.roster_fixtures import write_messy_xlsx

browser = kit.browser
open_tab = kit.open_tab


def run_queued_jobs() -> None:
    # The worker `gonghui up` starts beside the server, run once over what is queued.
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.fixture
def queued_tasks(settings):  # type: ignore[no-untyped-def]
    # Jobs wait in the database queue, as in production, so the page has something to watch.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    return settings


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_it_checks_imports_and_reports_a_roster_in_the_console(
    live_server, personas, open_tab, settings, queued_tasks, tmp_path, device
):
    settings.GONGHUI_2FA_REQUIRED = False
    roster = write_messy_xlsx(tmp_path / "三标段花名册.xlsx")
    tab = open_tab(device)
    page = tab.page
    kit.log_in(tab, live_server.url, "luyuan")
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/members/imports/")
    expect(page.get_by_role("heading", name="名册导入")).to_be_visible()
    tab.assert_glyphs_render()
    with page.expect_download() as template:
        tab.press(page.get_by_role("link", name="下载模板"))
    header = CalamineWorkbook.from_path(template.value.path()).get_sheet_by_index(0).to_python()[0]
    assert header[:2] == ["姓名*", "公民身份号码*"]

    page.get_by_label("工会").select_option(label="城市副中心周转房项目三标段联合工会")
    page.get_by_label("花名册文件").set_input_files(roster)
    tab.assert_fits_the_screen()
    tab.screenshot(f"roster-upload-{device}")
    tab.press(page.get_by_role("button", name="上传并校验"))
    expect(page.locator("[data-status]")).to_have_text("排队中")
    tab.screenshot(f"roster-queued-{device}")
    run_queued_jobs()
    # The page polls the job: no reload, the report appears when the check is done.
    expect(page.locator("[data-status]")).to_have_text("已校验，可以导入")
    expect(page.locator('[data-count="rejected"]')).to_have_text("7")
    expect(page.locator("table.problems")).to_contain_text("resident_id_excel_number")
    expect(page.locator("table.problems")).to_contain_text("Excel")
    tab.assert_fits_the_screen()
    tab.screenshot(f"roster-dry-run-{device}")

    tab.press(page.get_by_role("button", name="导入 6 行"))
    expect(page.locator("[data-status]")).to_have_text("导入中")
    run_queued_jobs()
    expect(page.locator("[data-status]")).to_have_text("已导入")
    expect(page.locator("progress")).to_have_attribute("value", "100")
    expect(page.locator('[data-count="accepted"]')).to_have_text("6")
    tab.screenshot(f"roster-done-{device}")
    assert Membership.objects.filter(union__code="BJ-TZ-LY-SB3", status="ACTIVE").count() == 6
    assert ImportJob.objects.get().committed

    with page.expect_download() as report:
        tab.press(page.get_by_role("link", name="下载问题报告（.xlsx）"))
    rows = CalamineWorkbook.from_path(report.value.path()).get_sheet_by_index(0).to_python()
    assert rows[2][-1] == "问题" and any("Excel" in str(r[-1]) for r in rows[3:])
    tab.assert_nothing_broke()
