from django.test import Client

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


def test_it_locks_the_account_after_repeated_failures(personas, settings):
    settings.GONGHUI_LOCKOUT_THRESHOLD = 3
    client = Client()
    for _ in range(2):
        response = client.post("/accounts/login/", {"username": "luyuan", "password": "wrong-password"})
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"username": "luyuan", "password": "wrong-password"})
    assert "锁定" in response.content.decode() or "locked" in response.content.decode()
    user = User.objects.get(username="luyuan")
    assert user.locked_until is not None
    # Even the right password is refused while locked.
    response = client.post("/accounts/login/", {"username": "luyuan", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event_type="login_locked", object_id=str(user.pk)).count() == 1


def test_it_lets_an_officer_unlock_a_locked_login(personas, settings):
    settings.GONGHUI_LOCKOUT_THRESHOLD = 1
    Client().post("/accounts/login/", {"username": "luyuan", "password": "wrong-password"})
    assert User.objects.get(username="luyuan").locked_until is not None
    officer = personas.client(personas.tongzhou_officer)
    assert officer.post(f"/accounts/staff/{personas.luyuan_officer.pk}/unlock/").status_code == 302
    assert User.objects.get(username="luyuan").locked_until is None


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
