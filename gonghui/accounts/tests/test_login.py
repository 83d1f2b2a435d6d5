import datetime

from django.test import Client
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.core.models import AuditEvent
from gonghui.demo.personas import PASSWORD


def test_it_signs_in_with_the_right_password(personas, settings):
    settings.GONGHUI_2FA_REQUIRED = False
    client = Client()
    response = client.post("/accounts/login/", {"username": "luyuan", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(event_type="login", actor=personas.luyuan_officer).count() == 1


def fail(client: Client, username: str, times: int = 1) -> str:
    page = ""
    for _ in range(times):
        page = client.post(
            "/accounts/login/", {"username": username, "password": "wrong-password"}
        ).content.decode()
    return page


def error_of(page: str) -> str:
    """The form's error text, without the parts of the page that echo what was typed."""
    start = page.index('role="alert"')
    return page[start : page.index("</", start)]


def test_it_holds_back_one_address_after_repeated_failures_but_not_the_owner(personas, settings):
    settings.GONGHUI_LOCKOUT_THRESHOLD = 3
    settings.GONGHUI_2FA_REQUIRED = False
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    assert "请" in fail(attacker, "luyuan", 2)
    page = fail(attacker, "luyuan")
    assert "分钟" in error_of(page)
    # Even the right password waits out the delay from that address ...
    response = attacker.post("/accounts/login/", {"username": "luyuan", "password": PASSWORD})
    assert "_auth_user_id" not in attacker.session and "分钟" in error_of(response.content.decode())
    # ... while the owner, elsewhere, signs in: nobody can lock an account by failing on purpose.
    owner = Client(REMOTE_ADDR="198.51.100.20")
    assert owner.post("/accounts/login/", {"username": "luyuan", "password": PASSWORD}).status_code == 302
    assert AuditEvent.objects.filter(
        event_type="login_delayed", object_id=str(personas.luyuan_officer.pk)
    ).exists()


def test_it_doubles_the_delay_with_each_further_failure(personas, settings):
    from gonghui.accounts.actions import login_delay

    settings.GONGHUI_LOCKOUT_THRESHOLD = 5
    settings.GONGHUI_LOGIN_DELAY_SECONDS = 30
    settings.GONGHUI_LOCKOUT_MINUTES = 15
    delays = [login_delay(n) for n in (4, 5, 6, 7, 12)]
    assert [d.total_seconds() if d else None for d in delays] == [None, 30, 60, 120, 900]


def test_it_answers_an_unknown_login_and_a_held_back_one_alike(personas, settings):
    settings.GONGHUI_LOCKOUT_THRESHOLD = 3
    client = Client(REMOTE_ADDR="203.0.113.10")
    for attempt in range(5):
        known = error_of(fail(client, "luyuan"))
        unknown = error_of(fail(client, "no-such-person"))
        assert known == unknown, attempt


def test_it_lets_the_held_back_address_try_again_after_the_delay(personas, settings):
    from gonghui.accounts.models import LoginThrottle

    settings.GONGHUI_LOCKOUT_THRESHOLD = 1
    settings.GONGHUI_2FA_REQUIRED = False
    client = Client(REMOTE_ADDR="203.0.113.11")
    fail(client, "luyuan")
    LoginThrottle.objects.update(blocked_until=timezone.now() - datetime.timedelta(seconds=1))
    assert client.post("/accounts/login/", {"username": "luyuan", "password": PASSWORD}).status_code == 302
    assert not LoginThrottle.objects.exists()


def test_it_lets_an_officer_clear_a_held_back_login(personas, settings):
    from gonghui.accounts.models import LoginThrottle

    settings.GONGHUI_LOCKOUT_THRESHOLD = 1
    fail(Client(), "luyuan")
    assert User.objects.get(username="luyuan").locked_until is not None
    officer = personas.client(personas.tongzhou_officer)
    assert officer.post(f"/accounts/staff/{personas.luyuan_officer.pk}/unlock/").status_code == 302
    assert User.objects.get(username="luyuan").locked_until is None
    assert not LoginThrottle.objects.exists()


def test_it_throttles_one_address_guessing_many_usernames(personas, settings):
    settings.GONGHUI_LOCKOUT_THRESHOLD = 100
    client = Client(REMOTE_ADDR="10.9.8.7")
    for i in range(20):
        client.post("/accounts/login/", {"username": f"nobody{i}", "password": "x"})
    response = client.post("/accounts/login/", {"username": "luyuan", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    from django.core.cache import cache

    cache.clear()


def test_it_does_not_reveal_whether_a_login_exists(personas):
    client = Client()
    unknown = client.post(
        "/accounts/login/", {"username": "no-such-person", "password": "x"}
    ).content.decode()
    known = client.post("/accounts/login/", {"username": "luyuan", "password": "x"}).content.decode()
    assert unknown.count('role="alert"') == known.count('role="alert"') == 1
