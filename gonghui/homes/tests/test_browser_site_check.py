"""The district officer's on-site check on a phone, in a real Chromium: the application waits at the
district step, the officer opens the checklist, ticks the must-hold items, scores the others, attaches a
photo and passes the check; the application then waits for the city. Screenshots:
artifacts/screenshots/homes-site-check-*.png."""

import io

import pytest
from playwright.sync_api import expect

from gonghui.core.tests.test_browser import browser, log_in, open_tab  # noqa: F401  (fixtures)
from gonghui.homes.actions.levels import do_apply_for_level, do_recommend_application
from gonghui.homes.models import LevelApplication


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_fills_the_on_site_checklist_on_a_phone(
    live_server,
    world,
    open_tab,  # noqa: F811  (the fixture imported above)
    settings,
    tmp_path,
):
    from PIL import Image

    settings.GONGHUI_2FA_REQUIRED = False
    p = world.personas
    application = do_apply_for_level(
        acting_user=p.chair, home=world.home, level=world.level("CITY"), answers=world.answers("CITY")
    )
    do_recommend_application(acting_user=world.street_officer, application=application)
    photo = tmp_path / "reading-room.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())

    tab = open_tab("phone")
    page = tab.page
    log_in(tab, live_server.url, "tongzhou")
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/homes/queue/")
    expect(page.get_by_role("heading", name="待我办理的申报")).to_be_visible()
    tab.press(page.get_by_role("link", name=world.home.name))
    tab.press(page.get_by_role("link", name="打开实地检查清单"))
    expect(page.get_by_role("heading", name="实地检查")).to_be_visible()
    tab.assert_glyphs_render()
    tab.assert_fits_the_screen()
    tab.screenshot("homes-site-check-empty-phone")

    items = list(application.level.items.order_by("position", "pk"))
    for item in items:
        if item.kind == "GATE":
            page.locator(f"#id_met_{item.pk}").check()
        else:
            page.locator(f"#id_points_{item.pk}").fill(str(item.points - 2))
        page.locator(f"#id_note_{item.pk}").fill("现场核实")
    page.locator("#id_photos").set_input_files(str(photo))
    tab.assert_fits_the_screen()
    tab.screenshot("homes-site-check-filled-phone")
    tab.press(page.get_by_role("button", name="检查通过"))

    expect(page.locator(".notice")).to_contain_text("检查通过，待市总工会审批")
    expect(page.locator("dl.facts")).to_contain_text("待市级审批")
    tab.assert_fits_the_screen()
    tab.screenshot("homes-site-check-passed-phone")
    application.refresh_from_db()
    assert application.status == LevelApplication.Status.AT_CITY
    assert application.check_score == sum(i.points - 2 for i in items if i.kind == "SCORED")
    assert application.check_photos.count() == 1
    tab.assert_nothing_broke()
