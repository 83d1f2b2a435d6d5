"""The meeting's questionnaire on the collector's phone in a real Chromium (390x844): with no network the
collector picks today's 沟通会, fills in its questionnaire (required answers and a show-if checked on the
phone), reloads (the service worker serves the page, the definition comes from IndexedDB), comes back
online and sees it sent; the server holds the response once. Screenshots: artifacts/screenshots/
collect-survey-*.png."""

import datetime
import json

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gonghui.collect.actions import do_register_device
from gonghui.collect.models import DeviceUpload
from gonghui.collect.tests.test_browser_collect import (
    READ_QUEUE_JS,
    expect_counts,
    pair_phone,
    screenshot_from_top,
)
from gonghui.core.tests.test_browser import Tab, browser, open_tab  # noqa: F401  (fixtures)
from gonghui.meetings.actions import MeetingData, do_create_questionnaire, do_plan_meeting
from gonghui.meetings.catalogue import TEMPLATES
from gonghui.meetings.models import MeetingKind, PlaceKind, Response
from gonghui.meetings.queries import meeting_funnel

REMARK = "希望多办几次理发日"


def question(tab: Tab, position: int):  # type: ignore[no-untyped-def]
    return tab.page.locator("#survey-questions fieldset.question").nth(position - 1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_fills_in_a_meetings_questionnaire_offline_and_sends_it_once(
    live_server,
    personas,
    open_tab,  # noqa: F811  (the fixture imported above)
):
    p = personas
    title, description, _kind, specs = TEMPLATES["worker_needs"]
    questionnaire = do_create_questionnaire(
        acting_user=p.tongzhou_officer,
        owner=p.unit("BJ-TZ"),
        title=title,
        description=description,
        questions=list(specs),
        template_key="worker_needs",
    )
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    meeting = do_plan_meeting(
        acting_user=p.tongzhou_officer,
        data=MeetingData(
            kind=MeetingKind.WORKER,
            title="云锐大厅职工沟通会",
            organiser=p.unit("BJ-TZ-YS"),
            starts_at=noon,
            ends_at=noon + datetime.timedelta(hours=2),
            place_kind=PlaceKind.ENTERPRISE,
            enterprise=p.enterprise("yunrui"),
            address="一楼大厅",
            questionnaire=questionnaire,
        ),
    )
    # The officer's registration has its own browser test; here the phone pairs with the code directly.
    code = do_register_device(
        acting_user=p.tongzhou_officer,
        collector=p.collector,
        unit=p.unit("BJ-TZ-YS"),
        name="永顺镇采集手机一号",
    )
    base_url = live_server.url
    phone = open_tab("phone")
    page = phone.page
    pair_phone(phone, f"{base_url}/collect/pair/{code.token}/", base_url)

    # -- no network from here until the questionnaire is queued
    page.context.set_offline(True)
    expect(page.locator("#net")).to_have_text("离线——记录保存在本机")
    survey_button = page.locator("#open-survey")
    expect(survey_button).to_be_hidden()  # no meeting picked yet
    page.locator("#f-meeting").select_option(value=str(meeting.pk))
    expect(survey_button).to_have_text("问卷")
    phone.press(survey_button)
    form = page.locator("#survey-form")
    expect(form).to_be_visible()
    expect(page.locator("#enrol-form")).to_be_hidden()
    expect(page.locator("#survey-title")).to_have_text("职工需求调查")
    expect(page.locator("#survey-meeting")).to_contain_text("云锐大厅职工沟通会")

    # Required answers are checked on the phone; question 2 shows only when question 1 is answered 否.
    phone.press(form.get_by_role("button", name="保存到本机"))
    expect(page.locator("#survey-error")).to_have_text("第 1 题：请回答此题。")
    expect(question(phone, 2)).to_be_hidden()
    question(phone, 1).get_by_label("否").check()
    expect(question(phone, 2)).to_be_visible()
    question(phone, 2).get_by_label("愿意，今天就办理").check()
    phone.press(form.get_by_role("button", name="保存到本机"))
    expect(page.locator("#survey-error")).to_have_text("第 3 题：请回答此题。")
    question(phone, 3).get_by_label("技能培训").check()
    question(phone, 3).get_by_label("法律援助（欠薪、工伤等）").check()
    question(phone, 6).get_by_label("5", exact=True).check()
    question(phone, 7).locator("textarea").fill(REMARK)
    phone.assert_glyphs_render()
    phone.assert_fits_the_screen()
    expect(page.locator("#survey-error")).to_be_hidden()  # answering question 3 cleared the complaint
    screenshot_from_top(phone, "collect-survey-form-phone")
    phone.press(form.get_by_role("button", name="保存到本机"))
    expect(page.locator("#toast")).to_contain_text("问卷已加密保存在本机")
    expect(form).to_be_hidden()
    expect(page.locator("#enrol-form")).to_be_visible()
    expect_counts(phone, 1, 0, 0)
    expect(page.locator("#queue .record .label")).to_have_text(["问卷 · 云锐大厅职工沟通会"])

    # What a finder of the phone could read: the label, not the answers.
    stored = page.evaluate(READ_QUEUE_JS)
    dump = json.dumps(stored, ensure_ascii=False)
    assert len(stored) == 1 and REMARK not in dump and "技能培训" not in dump

    # -- reload with no network: the page and the questionnaire's definition come from the phone
    page.on("dialog", lambda dialog: dialog.accept())
    response = page.reload()
    assert response is not None and response.from_service_worker
    expect_counts(phone, 1, 0, 0)
    page.locator("#f-meeting").select_option(value=str(meeting.pk))
    phone.press(survey_button)
    expect(question(phone, 1)).to_contain_text("您目前是否为工会会员？")
    phone.press(page.locator("#close-survey"))
    expect(page.locator("#enrol-form")).to_be_visible()
    screenshot_from_top(phone, "collect-survey-offline-phone")
    assert not Response.objects.exists()

    # -- back online: sent, and stored once
    page.context.set_offline(False)
    expect(page.locator("#count-sent")).to_have_text("1", timeout=15_000)
    expect_counts(phone, 0, 1, 0)
    expect(page.locator("#queue .record.sent .message")).to_have_text("已收到，答卷计入沟通会。")
    screenshot_from_top(phone, "collect-survey-sent-phone")
    saved = Response.objects.get()
    assert str(saved.client_uuid) == stored[0]["uuid"]
    assert saved.meeting == meeting and saved.channel == "STAFF_MOBILE" and saved.collected_by == p.collector
    answers = {a.question.position: (a.choices, a.text, a.number) for a in saved.answers.all()}
    assert answers == {
        1: (["否"], "", None),
        2: (["愿意，今天就办理"], "", None),
        3: (["法律援助（欠薪、工伤等）", "技能培训"], "", None),
        6: ([], "", 5),
        7: ([], REMARK, None),
    }
    assert next(s.count for s in meeting_funnel(meeting).people if s.key == "answered") == 1
    assert DeviceUpload.objects.get().code == "answered"
    phone.assert_nothing_broke()
