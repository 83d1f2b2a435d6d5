"""In a real Chromium on a phone (390x844): a worker checks in by the meeting's QR code, answers the
questionnaire (with a show-if question) and joins the union; the host's link counts the check-in; the
officer sees the funnel and the charts on a PC. Screenshots: artifacts/screenshots/meeting-*.png."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gonghui.core.tests import test_browser as kit
from gonghui.meetings import actions
from gonghui.meetings.models import CheckIn, Meeting, Response
from gonghui.meetings.tests.conftest import plan_worker_meeting, worker_survey
from gonghui.members.join import do_create_join_link
from gonghui.members.models import Membership
from gonghui.members.tests.test_join_browser import PHONE, RID, latest_code

browser = kit.browser
open_tab = kit.open_tab


def forget_expected_400(tab: kit.Tab, path: str) -> None:
    """A refused form answers 400 on purpose; anything else in the problems list still fails the test."""
    expected = [p for p in tab.problems if "400" in p and path in p]
    assert expected, tab.problems
    tab.problems[:] = [p for p in tab.problems if p not in expected]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_worker_checks_in_answers_and_joins_on_a_phone_and_the_host_link_counts(
    live_server, personas, open_tab, settings
):
    settings.GONGHUI_2FA_REQUIRED = False
    survey = worker_survey(personas)
    start = timezone.now().replace(microsecond=0)
    meeting = plan_worker_meeting(
        personas, questionnaire=survey, starts_at=start, ends_at=start + datetime.timedelta(hours=3)
    )
    link = do_create_join_link(
        acting_user=personas.chair, union=personas.unit("BJ-TZ-YS-YR"), label="大厅沟通会", meeting=meeting
    )
    meeting, host_token = actions.do_issue_host_link(acting_user=personas.tongzhou_officer, meeting=meeting)

    # The worker scans the check-in code on the poster.
    tab = open_tab("phone")
    page = tab.page
    page.goto(f"{live_server.url}/m/{meeting.public_token}/")
    expect(page.get_by_role("heading", name="签到")).to_be_visible()
    expect(page.get_by_text("云锐大厅职工沟通会")).to_be_visible()
    tab.assert_glyphs_render()
    tab.assert_fits_the_screen()
    tab.screenshot("meeting-check-in-phone")
    page.get_by_label("姓名").fill("李春贵")
    page.get_by_label("手机号码").fill("1381234")
    tab.press(page.get_by_role("button", name="签到", exact=True))
    expect(page.locator(".has-error")).to_contain_text("手机号")
    tab.screenshot("meeting-check-in-bad-phone-phone")
    forget_expected_400(tab, f"/m/{meeting.public_token}/")
    page.get_by_label("手机号码").fill(PHONE)
    tab.press(page.get_by_role("button", name="签到", exact=True))
    expect(page.get_by_role("heading", name="签到成功")).to_be_visible()
    tab.assert_fits_the_screen()
    tab.screenshot("meeting-welcome-phone")

    # The questionnaire: question 2 shows only once question 1 is answered "否".
    tab.press(page.get_by_role("link", name="填写问卷"))
    expect(page.get_by_role("heading", name="职工需求调查")).to_be_visible()
    second = page.locator("fieldset.q").nth(1)
    expect(second).to_be_hidden()
    page.get_by_label("否").first.check()
    expect(second).to_be_visible()
    second.get_by_label("愿意，今天就办理").check()
    page.get_by_label("医疗互助与二次报销").check()
    page.get_by_label("技能培训").check()
    tab.screenshot("meeting-survey-phone")
    # The required rating left out: said in Chinese, nothing lost.
    tab.press(page.get_by_role("button", name="提交问卷"))
    expect(page.locator(".q.has-error")).to_contain_text("请回答此题")
    expect(page.get_by_label("技能培训")).to_be_checked()
    tab.assert_fits_the_screen()
    forget_expected_400(tab, f"/m/{meeting.public_token}/survey/")
    page.locator("fieldset.q").nth(5).get_by_label("5").check()
    tab.press(page.get_by_role("button", name="提交问卷"))
    expect(page.get_by_role("heading", name="感谢参与")).to_be_visible()
    tab.screenshot("meeting-thanks-phone")

    # And joins through the meeting's own join code.
    tab.press(page.get_by_role("link", name="加入工会 · 北京云锐国际文化传媒有限公司工会"))
    expect(page).to_have_url(f"{live_server.url}/join/{link.token}/")
    page.get_by_label("姓名").fill("李春贵")
    page.get_by_label("手机号码").fill(PHONE)
    asked_at = timezone.now()
    tab.press(page.get_by_role("button", name="获取验证码"))
    expect(page.get_by_role("status")).to_contain_text("验证码已发送")
    page.get_by_label("短信验证码").fill(latest_code(asked_at))
    page.get_by_label("公民身份号码").fill(RID)
    page.get_by_label("我已阅读并同意个人信息保护告知").check()
    tab.press(page.get_by_role("button", name="提交申请", exact=True).last)
    expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()
    tab.screenshot("meeting-joined-phone")
    tab.assert_nothing_broke()

    membership = Membership.objects.get()
    assert membership.meeting == meeting and membership.status == Membership.Status.PENDING
    response = Response.objects.get()
    assert response.meeting == meeting and response.answers.count() == 4
    assert CheckIn.objects.get().phone == PHONE

    # The host, with the link and no account, sees the worker counted and adds a group.
    host = open_tab("phone")
    host.page.goto(f"{live_server.url}/m/host/{host_token}/")
    expect(host.page.locator("#host-total")).to_have_text("1")
    expect(host.page.get_by_text("138****5678")).to_be_visible()
    host.page.get_by_label("或只登记人数（不留信息）").fill("5")
    host.press(host.page.get_by_role("button", name="签到", exact=True))
    expect(host.page.locator("#host-total")).to_have_text("6")
    host.assert_fits_the_screen()
    host.screenshot("meeting-host-phone")
    host.assert_nothing_broke()

    # The officer on a PC: the meeting's funnel, the results chart, the poster.
    desk = open_tab("desktop")
    kit.log_in(desk, live_server.url, "tongzhou")
    expect(desk.page).to_have_url(f"{live_server.url}/")
    desk.follow_nav("沟通会")
    expect(desk.page.get_by_role("heading", name="双沟通会")).to_be_visible()
    desk.press(desk.page.get_by_role("link", name="云锐大厅职工沟通会"))
    expect(desk.page.locator("#check-in-total")).to_have_text("6")
    for stage, count in [("attended", "6"), ("answered", "1"), ("applied", "1"), ("approved", "0")]:
        expect(desk.page.locator(f'tr[data-stage="{stage}"] td').last).to_have_text(count)
    expect(desk.page.locator("[data-chart=funnel] svg")).to_be_visible()
    desk.screenshot("meeting-detail-desktop")
    desk.page.goto(f"{live_server.url}/meetings/{meeting.pk}/results/")
    expect(desk.page.locator("#response-count")).to_contain_text("1")
    expect(desk.page.locator(".qchart svg").first).to_be_visible()
    desk.screenshot("meeting-results-desktop")
    desk.page.goto(f"{live_server.url}/meetings/questionnaires/{survey.pk}/")
    expect(desk.page.get_by_text("现在修改题目会生成新版本")).to_be_visible()
    desk.screenshot("meeting-questionnaire-builder-desktop")
    desk.page.goto(f"{live_server.url}/meetings/{meeting.pk}/poster/")
    expect(desk.page.locator(".mposter figure svg")).to_have_count(3)
    desk.page.emulate_media(media="print")
    expect(desk.page.locator(".topbar")).to_be_hidden()
    desk.screenshot("meeting-poster-print")
    desk.page.emulate_media(media="screen")
    desk.page.goto(f"{live_server.url}/meetings/funnel/")
    expect(desk.page.locator('tr[data-stage="attended"] td').last).to_have_text("6")
    desk.screenshot("meeting-funnel-desktop")
    desk.page.goto(f"{live_server.url}/meetings/calendar/?month={start:%Y-%m}")
    expect(desk.page.locator(".cal a.m")).to_have_count(1)
    desk.screenshot("meeting-calendar-desktop")

    # A new host link: the one the host holds stops working.
    desk.page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    desk.press(desk.page.get_by_role("button", name="重新生成主持人链接"))
    expect(desk.page.get_by_role("heading", name="主持人签到链接")).to_be_visible()
    desk.screenshot("meeting-host-link-desktop")
    desk.assert_nothing_broke()
    stale = host.page.goto(f"{live_server.url}/m/host/{host_token}/")
    assert stale is not None and stale.status == 404
    expect(host.page.get_by_role("heading", name="二维码已失效")).to_be_visible()
    assert Meeting.objects.get(pk=meeting.pk).host_token_digest != meeting.host_token_digest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_street_officer_plans_holds_and_closes_a_meeting_on_a_phone(
    live_server, personas, open_tab, settings
):
    settings.GONGHUI_2FA_REQUIRED = False
    tab = open_tab("phone")
    page = tab.page
    kit.log_in(tab, live_server.url, "luyuan")
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/meetings/new/")
    expect(page.get_by_role("heading", name="安排沟通会")).to_be_visible()
    tab.assert_fits_the_screen()
    expect(page.get_by_label("组织单位")).to_have_value(str(personas.unit("BJ-TZ-LY").pk))
    page.get_by_label("名称").fill("潞源街道职工沟通会·三标段")
    page.get_by_label("开始时间").fill("2026-06-12T12:00")
    page.get_by_label("结束时间").fill("2026-06-12T11:00")
    page.locator("#id_place_kind").select_option(label="在工地或园区")
    page.get_by_label("作业点").select_option(label="城市副中心周转房项目三标段")
    page.get_by_label("参与的协调单位（每行一个）").fill("北京银行通州支行\n潞源街道社区卫生服务中心")
    page.get_by_label("每周重复：共几场（只开一场请留空）").fill("4")
    tab.press(page.get_by_role("button", name="保存"))
    # Ends before it starts: said next to the field, nothing lost.
    expect(page.locator(".has-error")).to_contain_text("结束时间须晚于开始时间")
    expect(page.get_by_label("名称")).to_have_value("潞源街道职工沟通会·三标段")
    tab.screenshot("meeting-form-error-phone")
    page.get_by_label("结束时间").fill("2026-06-12T14:00")
    tab.press(page.get_by_role("button", name="保存"))
    expect(page.get_by_role("heading", name="潞源街道职工沟通会·三标段")).to_be_visible()
    expect(page.get_by_text("已安排每周一场，共4场沟通会。")).to_be_visible()
    tab.assert_fits_the_screen()
    tab.press(page.get_by_role("button", name="标记为已召开"))
    expect(page.get_by_role("heading", name="登记成效并结项")).to_be_visible()
    page.get_by_label("参会人数（留空则按签到人数）").fill("95")
    page.get_by_label("发放宣传材料（份）").fill("120")
    page.get_by_label("后续跟进事项").first.fill("为未带身份证的工友补办入会")
    page.get_by_label("责任人").first.fill("张国宽")
    page.get_by_label("完成期限").first.fill("2026-06-19")
    tab.screenshot("meeting-close-phone")
    tab.press(page.get_by_role("button", name="结项", exact=True))
    expect(page.locator("#attendance")).to_have_text("95")
    expect(page.locator("h1 .badge")).to_have_text("已结项")
    expect(page.get_by_text("为未带身份证的工友补办入会")).to_be_visible()
    tab.assert_fits_the_screen()
    tab.screenshot("meeting-closed-phone")
    page.goto(f"{live_server.url}/meetings/calendar/?month=2026-06")
    expect(page.locator(".cal a.m")).to_have_count(4)
    tab.assert_fits_the_screen()
    tab.screenshot("meeting-calendar-phone")
    page.goto(f"{live_server.url}/meetings/")
    tab.assert_fits_the_screen()
    tab.screenshot("meeting-list-phone")
    tab.assert_nothing_broke()
    meeting = Meeting.objects.get(title="潞源街道职工沟通会·三标段", status=Meeting.Status.CLOSED)
    assert meeting.attendance == 95 and meeting.partner_unit_list == [
        "北京银行通州支行",
        "潞源街道社区卫生服务中心",
    ]
    assert meeting.series is not None and meeting.series.meetings.count() == 4
