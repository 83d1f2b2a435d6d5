"""拍身份证 on the collector's phone in a real Chromium at phone size: the collector takes a photo (a file of
the synthetic set, through the same file input the camera fills), sees the fields filled and the one that
needs checking marked, corrects it and saves the worker. Screenshots: artifacts/screenshots/idphoto-*.png."""

import pytest
from playwright.sync_api import expect

from gonghui.collect.tests.test_browser_collect import enrol, pair_phone, register_phone
from gonghui.core.tests.test_browser import Tab, browser, log_in, open_tab  # noqa: F401  (fixtures)
from gonghui.idcards.synthetic import make_photo


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_fills_the_phone_form_from_a_card_photo_and_marks_what_to_check(
    live_server,
    personas,
    open_tab,  # noqa: F811  (the fixture imported above)
    settings,
    tmp_path,
):
    settings.GONGHUI_2FA_REQUIRED = False
    base_url = live_server.url
    pairing_url = register_phone(open_tab("desktop"), base_url)
    phone: Tab = open_tab("phone")
    page = phone.page
    pair_phone(phone, pairing_url, base_url)
    form = page.locator("#enrol-form")
    expect(page.locator("#idphoto-field")).to_be_visible()
    phone.screenshot("idphoto-form")

    photo = make_photo(11)
    path = tmp_path / "card.jpg"  # the test's own file; the phone and the server keep none
    path.write_bytes(photo.jpeg)
    page.locator("#f-idphoto").set_input_files(str(path))
    # Recognition takes about a second alone, much longer on a CI machine running two suites: wait for it.
    expect(page.locator("#idphoto-status")).to_contain_text("已从身份证读出", timeout=120_000)
    expect(form.locator("#f-resident-id")).to_have_value(photo.person.resident_id)
    expect(form.locator("#f-name")).to_have_value(photo.person.name)
    expect(form.locator("#f-ethnicity")).to_have_value(photo.person.ethnicity)
    expect(page.locator("#idphoto-status")).to_contain_text("已从身份证读出")
    phone.assert_glyphs_render()
    phone.assert_fits_the_screen()
    phone.screenshot("idphoto-filled")

    # A second photo whose number the reader gets wrong (a digit changed after reading is what a misread
    # looks like to the form): the number is marked for checking and the collector types it.
    page.route(
        "**/api/v1/idcard/read*",
        lambda route: route.fulfill(
            status=200,
            content_type="application/json",
            body=(
                '{"side": "front", "expired": false, "fields": {'
                f'"name": {{"value": "{photo.person.name}", "confirmed": true, "problem": "", "problem_label": ""}},'
                f'"resident_id": {{"value": "{photo.person.resident_id[:-1]}0", "confirmed": false,'
                ' "problem": "id_checksum", "problem_label": "校验码不符，有数字读错了，请对照身份证核对号码。"}}}'
            ),
        ),
    )
    page.locator("#f-idphoto").set_input_files(str(path))
    marked = form.locator(".field.check-me")
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text("校验码不符")
    expect(page.locator("#idphoto-status")).to_contain_text("有 1 项已标出")
    phone.screenshot("idphoto-check-marked")
    form.locator("#f-resident-id").fill(photo.person.resident_id)
    expect(form.locator(".field.check-me")).to_have_count(0)
    page.unroute("**/api/v1/idcard/read*")

    enrol(phone, photo.person.name, photo.person.resident_id, "")
    expect(page.locator("#count-sent")).to_have_text("1")
