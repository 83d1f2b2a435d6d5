"""The collector's phone in a real Chromium: an officer registers it in the console, the phone pairs by the
QR code's URL, goes offline, enrols three workers, reloads (the service worker serves the page), comes
back online and sends; then the officer revokes it and its next record is refused, on the phone and in
the console. Screenshots: artifacts/screenshots/collect-*.png."""

import datetime
import json
import re

import pytest
from django.core.signals import request_started
from django.utils import timezone
from playwright.sync_api import Dialog, Route, expect

from gonghui.collect.actions import do_revoke_device
from gonghui.collect.models import CollectorDevice, DeviceUpload
from gonghui.collect.tests.phone import resident_id
from gonghui.core.tests.test_browser import Tab, browser, log_in, open_tab  # noqa: F401  (fixtures)
from gonghui.meetings.actions import MeetingData, do_plan_meeting
from gonghui.meetings.models import MeetingKind, PlaceKind
from gonghui.members.models import Membership, Person

# Valid IDs of 通州 (110112) workers born 1998 or later: no checksum error and no area-code warning.
WORKERS = [
    ("李春贵", resident_id("11011219990520241"), "13812345671"),
    ("王芳", resident_id("11011220010304002"), ""),
    ("欧阳建国", resident_id("11011219981111301"), "13912345672"),
]
FOURTH = ("赵小兰", resident_id("11011220030706004"), "")

READ_QUEUE_JS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("gonghui-collect");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const request = open.result.transaction("records").objectStore("records").getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  };
})"""

CONTROLLED_JS = """() => navigator.serviceWorker.controller ? true : new Promise((resolve) => {
  navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true));
})"""


def enrol(tab: Tab, name: str, rid: str, phone: str, *, meeting: int | None = None) -> None:
    page = tab.page
    form = page.locator("#enrol-form")
    if meeting is not None:
        form.locator("#f-meeting").select_option(value=str(meeting))
    # Fields by id: their labels come from the shared catalogue, whose wording may still change.
    form.locator("#f-name").fill(name)
    form.locator("#f-resident-id").fill(rid)
    form.locator("#f-phone").fill(phone)
    form.locator("#f-ethnicity").fill("汉族")
    form.locator("#f-education").select_option("SENIOR_HIGH")
    form.locator("#f-hukou-type").select_option("AGRICULTURAL")
    form.locator("input[name=is_migrant_worker]").check()
    form.locator("#f-employer-name").fill("北京云锐国际文化传媒有限公司")
    form.get_by_label("职工已阅读并同意个人信息保护告知").check()
    tab.press(form.get_by_role("button", name="保存到本机"))
    expect(page.locator("#toast")).to_contain_text("已加密保存在本机")
    expect(form.locator("#f-name")).to_have_value("")


def screenshot_from_top(tab: Tab, name: str) -> None:
    # A full-page shot of a scrolled page draws the sticky title bar where the scroll left it.
    tab.page.evaluate("window.scrollTo(0, 0)")
    tab.screenshot(name)


def expect_counts(tab: Tab, pending: int, sent: int, rejected: int) -> None:
    page = tab.page
    expect(page.locator("#count-pending")).to_have_text(str(pending))
    expect(page.locator("#count-sent")).to_have_text(str(sent))
    expect(page.locator("#count-rejected")).to_have_text(str(rejected))


def register_phone(officer: Tab, base_url: str) -> str:
    """The officer's side: register a phone for the 永顺镇 collector and read the pairing URL."""
    page = officer.page
    log_in(officer, base_url, "tongzhou")
    expect(page.get_by_role("heading", name=re.compile("欢迎您"))).to_be_visible()
    page.goto(f"{base_url}/collect/devices/")
    expect(page.get_by_role("heading", name="采集手机")).to_be_visible()
    officer.press(page.get_by_role("link", name="登记采集手机"))
    page.get_by_label("采集员").select_option(label="永顺镇采集员（collector）")
    page.get_by_label("采集范围").select_option(label="　　永顺镇总工会")
    page.get_by_label("手机名称").fill("永顺镇采集手机一号")
    officer.press(page.get_by_role("button", name="登记并显示二维码"))
    expect(page.get_by_role("heading", name="请用采集员的手机扫码")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    officer.assert_glyphs_render()
    officer.screenshot("collect-register-qr-desktop")
    return page.locator("code.pairing-url").inner_text().strip()


def pair_phone(tab: Tab, pairing_url: str, base_url: str) -> None:
    page = tab.page
    page.goto(pairing_url)
    expect(page.get_by_role("heading", name="登记此手机")).to_be_visible()
    expect(page.locator("main")).to_contain_text("永顺镇采集手机一号")
    tab.assert_glyphs_render()
    tab.assert_fits_the_screen()
    tab.screenshot("collect-pair-phone")
    tab.press(page.get_by_role("button", name="登记此手机"))
    expect(page).to_have_url(f"{base_url}/collect/")
    expect(page.locator("#device-line")).to_contain_text("永顺镇采集手机一号")
    expect(page.locator("#f-union")).to_have_value(str(CollectorDevice.objects.get().unit.children.get().pk))
    # Reloading offline needs the service worker in charge of the page with the shell cached.
    assert page.evaluate(CONTROLLED_JS)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_collects_offline_sends_once_and_refuses_a_revoked_phone(
    live_server,
    personas,
    open_tab,  # noqa: F811  (the fixture imported above)
    settings,
):
    # The TOTP flow has its own browser test; here it would only add steps before the officer's page.
    settings.GONGHUI_2FA_REQUIRED = False
    # Today's 沟通会 in the street: the phone's configuration brings it for the offline picker.
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    meeting = do_plan_meeting(
        acting_user=personas.tongzhou_officer,
        data=MeetingData(
            kind=MeetingKind.WORKER,
            title="云锐大厅职工沟通会",
            organiser=personas.unit("BJ-TZ-YS"),
            starts_at=noon,
            ends_at=noon + datetime.timedelta(hours=2),
            place_kind=PlaceKind.ENTERPRISE,
            enterprise=personas.enterprise("yunrui"),
            address="一楼大厅",
        ),
    )
    base_url = live_server.url
    officer = open_tab("desktop")
    pairing_url = register_phone(officer, base_url)
    assert pairing_url.startswith(f"{base_url}/collect/pair/")

    phone = open_tab("phone")
    page = phone.page
    context = page.context
    pair_phone(phone, pairing_url, base_url)
    device = CollectorDevice.objects.get()
    assert device.status == CollectorDevice.Status.ACTIVE and device.user == personas.collector

    # -- no network: three workers enrolled, each sealed and queued on the phone. The live server runs in
    # this process, so its request signal shows whether anything reached it while the phone was offline.
    reached_server: list[str] = []

    def note_request(sender: object, environ: dict[str, str], **kwargs: object) -> None:
        reached_server.append(environ.get("PATH_INFO", ""))

    request_started.connect(note_request)
    context.set_offline(True)
    expect(page.locator("#net")).to_have_text("离线——记录保存在本机")
    # The first worker is enrolled outside the meeting; the second at it, and the meeting stays picked
    # for the third.
    expect(page.locator("#f-meeting")).to_have_value("")
    enrol(phone, *WORKERS[0])
    expect(page.locator("#f-meeting option").nth(1)).to_contain_text("云锐大厅职工沟通会 · 北京云锐")
    enrol(phone, *WORKERS[1], meeting=meeting.pk)
    expect(page.locator("#f-meeting")).to_have_value(str(meeting.pk))
    enrol(phone, *WORKERS[2])
    expect_counts(phone, 3, 0, 0)
    expect(page.locator("#banner-unsent")).to_contain_text("有 3 条记录尚未发送")
    labels = page.locator("#queue .record .label")
    expect(labels).to_have_text(
        [
            "欧** ····" + WORKERS[2][1][-4:] + " · 云锐大厅职工沟通会",
            "王** ····" + WORKERS[1][1][-4:] + " · 云锐大厅职工沟通会",
            "李** ····" + WORKERS[0][1][-4:],
        ]
    )

    # What a finder of the phone could read: no name, ID or phone in plaintext anywhere in the queue.
    stored = page.evaluate(READ_QUEUE_JS)
    assert len(stored) == 3 and {r["status"] for r in stored} == {"pending"}
    dump = json.dumps(stored, ensure_ascii=False)
    for name, rid, mobile in WORKERS:
        assert name not in dump and rid not in dump and rid[:14] not in dump
        assert not mobile or mobile not in dump
    assert set(stored[0]) == {"uuid", "label", "envelope", "status", "code", "message", "createdAt"}

    # -- reload with no network: the service worker serves the page; the queue is still there
    warnings: list[str] = []

    def leave_anyway(dialog: Dialog) -> None:
        warnings.append(dialog.type)
        dialog.accept()

    page.on("dialog", leave_anyway)
    response = page.reload()
    assert response is not None and response.from_service_worker
    assert warnings == ["beforeunload"], "leaving with unsent records must ask first"
    expect(page.locator("#net")).to_have_text("离线——记录保存在本机")
    expect_counts(phone, 3, 0, 0)
    # Today's meeting is still offered and still picked, from the configuration kept on the phone.
    expect(page.locator("#f-meeting")).to_have_value(str(meeting.pk))
    phone.assert_glyphs_render()
    phone.assert_fits_the_screen()
    screenshot_from_top(phone, "collect-offline-pending-phone")
    assert not Membership.objects.exists()
    request_started.disconnect(note_request)
    # Chromium's emulated offline mode does not cover the browser's own check for a newer service worker
    # (a real offline phone's check simply fails); that check serves nothing to the page.
    served = [path for path in reached_server if path != "/collect/sw.js"]
    assert served == [], f"an offline phone reached the server: {served}"

    # -- back online. The first upload's answer is lost on the way (the server stored it, the phone saw a
    # network error), so that record goes again: the server must keep it once.
    lost: list[str] = []

    def lose_first_answer(route: Route) -> None:
        if not lost:
            route.fetch()
            lost.append(json.loads(route.request.post_data or "{}")["record_uuid"])
            route.abort("timedout")
        else:
            route.continue_()

    page.route("**/api/v1/collect/uploads", lose_first_answer)
    context.set_offline(False)
    expect(page.locator("#net")).to_have_text("在线")
    # The phone retries a lost answer after a couple of seconds, not at once.
    expect(page.locator("#count-sent")).to_have_text("3", timeout=15_000)
    expect_counts(phone, 0, 3, 0)
    screenshot_from_top(phone, "collect-sent-phone")

    memberships = list(Membership.objects.select_related("person"))
    assert len(memberships) == 3 and Person.objects.count() == 3
    assert sorted(m.person.name for m in memberships) == sorted(w[0] for w in WORKERS)
    assert {str(m.client_uuid) for m in memberships} == {r["uuid"] for r in stored}
    assert all(m.channel == "STAFF_MOBILE" and m.status == "PENDING" for m in memberships)
    assert all(m.collected_by == personas.collector for m in memberships)
    at_meeting = {m.person.name for m in memberships if m.meeting == meeting}
    assert at_meeting == {WORKERS[1][0], WORKERS[2][0]}
    replays = DeviceUpload.objects.filter(code="replayed")
    assert [str(u.client_uuid) for u in replays] == lost, "the re-sent record was answered from the store"

    # -- the officer revokes the phone; its next record is refused and shown, and nothing is stored
    do_revoke_device(acting_user=personas.tongzhou_officer, device=device)
    enrol(phone, *FOURTH)
    expect_counts(phone, 0, 3, 1)
    rejected = page.locator("#queue .record.rejected")
    expect(rejected).to_contain_text("赵**")
    expect(rejected.locator(".message")).to_contain_text("此手机已被工会注销")
    expect(page.locator("#banner-revoked")).to_contain_text("此手机已被工会注销")
    expect(page.locator("#enrol-form button[type=submit]")).to_be_disabled()
    phone.assert_fits_the_screen()
    screenshot_from_top(phone, "collect-revoked-phone")
    assert Membership.objects.count() == 3
    refusal = DeviceUpload.objects.get(outcome="REFUSED")
    assert refusal.code == "device_revoked" and refusal.device == device

    # The officer sees the refused upload on the phone's page.
    officer_page = officer.page
    officer_page.goto(f"{base_url}/collect/devices/{device.pk}/")
    expect(officer_page.locator(".device-status")).to_contain_text("已注销")
    refused_row = officer_page.locator("tr.outcome-refused")
    expect(refused_row).to_have_count(1)
    expect(refused_row).to_contain_text("device_revoked")
    expect(refused_row).to_contain_text(str(refusal.client_uuid)[:8])
    officer.screenshot("collect-device-desktop")

    # Only the refusal (403) and the answer lost on purpose may show up as failed requests.
    expected = ("HTTP 403", "status of 403", "ERR_TIMED_OUT")
    unexpected = [
        p for p in phone.problems if not ("/api/v1/collect/uploads" in p and any(e in p for e in expected))
    ]
    assert unexpected == [], unexpected
    officer.assert_nothing_broke()
