"""`manage.py bootstrap`: an empty federation from a tree file — all of Beijing's districts and streets and
thousands of grassroots unions — and a first administrator who can sign in only with TOTP."""

import base64
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.accounts.models import User
from gonghui.core.models import AuditEvent
from gonghui.orgs.management.commands.load_regions import read_region_data
from gonghui.orgs.models import OrgUnit, Role, RoleAssignment
from gonghui.orgs.tree_file import TEMPLATE_FILE, beijing_template

UNIONS_PER_STREET = 10


def tree_file(tmp_path: Path) -> Path:
    """The shipped template plus ten grassroots unions under every street and town."""
    lines = [TEMPLATE_FILE.read_text(encoding="utf-8").rstrip("\n")]
    for street in read_region_data()["streets"]:
        for n in range(UNIONS_PER_STREET):
            lines.append(
                f"G{street['code']}{n:02d},{street['name']}第{n + 1}基层工会,GRASSROOTS,BJ-{street['code']},"
            )
    path = tmp_path / "tree.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def bootstrap(*args: str) -> str:
    out = io.StringIO()
    call_command("bootstrap", *args, stdout=out)
    return out.getvalue()


def test_the_template_is_every_district_and_street_of_beijing():
    regions = read_region_data()
    assert TEMPLATE_FILE.read_text(encoding="utf-8") == beijing_template(regions)
    assert len(regions["districts"]) == 16 and len(regions["streets"]) > 300


def test_it_brings_up_the_whole_federation_from_a_tree_file(db, tmp_path):
    streets = len(read_region_data()["streets"])
    output = bootstrap("--tree", str(tree_file(tmp_path)))
    assert OrgUnit.objects.filter(kind="CITY").count() == 1
    assert OrgUnit.objects.filter(kind="DISTRICT").count() == 16
    assert OrgUnit.objects.filter(kind="STREET").count() == streets
    assert OrgUnit.objects.filter(kind="GRASSROOTS").count() == streets * UNIONS_PER_STREET
    total = OrgUnit.objects.count()
    assert total > 3_000
    # Every path is its parent's path plus its own id: the subtree queries hold.
    units = {u.pk: u for u in OrgUnit.objects.all()}
    for unit in units.values():
        parent = units.get(unit.parent_id) if unit.parent_id else None
        assert unit.path == f"{parent.path if parent else ''}{unit.pk}/"
        assert unit.depth == (parent.depth + 1 if parent else 0)
    tongzhou = OrgUnit.objects.get(code="BJ-110112")
    assert (
        tongzhou.name == "通州区总工会" and tongzhou.region is not None and tongzhou.region.code == "110112"
    )
    assert OrgUnit.objects.filter(path__startswith=tongzhou.path).count() > 16 * UNIONS_PER_STREET
    assert AuditEvent.objects.filter(event_type="org_unit_created").count() == total
    assert AuditEvent.objects.filter(event_type="first_admin_created").count() == 1
    # One administrator, whose password is printed once and kept only as a hash.
    admin = User.objects.get()
    assert RoleAssignment.objects.get(user=admin).role == Role.CITY_ADMIN
    password = re.search(r"password: (\S+)", output).group(1)  # type: ignore[union-attr]
    assert admin.check_password(password) and password not in admin.password
    assert admin.password_change_required
    # Again: nothing changes, no second administrator, no password printed.
    again = bootstrap("--tree", str(tree_file(tmp_path)))
    assert OrgUnit.objects.count() == total and User.objects.count() == 1
    assert "password:" not in again and f"{total} already there" in again


def test_it_refuses_a_file_with_problems_and_writes_nothing(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "code,name,kind,parent_code,region_code\n"
        "BJ,北京市总工会,CITY,,\n"
        "BJ-TZ,通州区\u202e总工会,DISTRICT,BJ,\n"
        "BJ-X,某工会,GRASSROOTS,NOPE,\n"
        "BJ-Y,某街道,STREET,BJ,\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as refused:
        bootstrap("--tree", str(path))
    message = str(refused.value)
    assert "line 3" in message and "line 4" in message and "line 5" in message
    assert not OrgUnit.objects.exists() and not User.objects.exists()


def test_a_gb18030_file_from_excel_reads_as_well(db, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "code,name,kind,parent_code,region_code\r\nBJ,北京市总工会,市总工会,,\r\n".encode("gb18030")
    )
    bootstrap("--tree", str(path))
    assert OrgUnit.objects.get().name == "北京市总工会"


def test_the_first_administrator_gets_in_only_through_totp_and_a_new_password(db, tmp_path, settings):
    settings.GONGHUI_2FA_REQUIRED = True
    output = bootstrap("--tree", str(TEMPLATE_FILE))
    password = re.search(r"password: (\S+)", output).group(1)  # type: ignore[union-attr]
    client = Client()
    response = client.post("/accounts/login/", {"username": "admin", "password": password})
    assert response.status_code == 302 and "/accounts/otp/" in response["Location"]
    # The password alone reaches nothing: not the console, not the API, not even the password page.
    assert "/accounts/otp/" in client.get("/").get("Location", "")
    assert client.get("/api/v1/accounts/me").status_code == 401
    assert "/accounts/otp/" in client.get("/accounts/password/").get("Location", "")
    client.get("/accounts/otp/")  # shows the QR code: an unconfirmed authenticator now exists
    device = TOTPDevice.objects.get(user__username="admin", confirmed=False)
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    response = client.post("/accounts/otp/", {"token": f"{code:06d}", "next": "/"})
    assert response.status_code == 302
    # Second factor passed: the handed-over password must be replaced before anything else.
    assert client.get("/").get("Location", "") == "/accounts/password/"
    assert client.get("/api/v1/accounts/me").status_code == 401
    new = "a-fresh-long-passphrase-" + base64.b32encode(b"x" * 5).decode()
    response = client.post("/accounts/password/", {"current": password, "new": new, "again": new})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/accounts/me").json()["username"] == "admin"
    assert not Client().login(username="admin", password=password)
    assert AuditEvent.objects.filter(event_type="password_changed").count() == 1
