"""Test personas: the demo story's people plus an outsider, built through the real actions.

city_admin (北京市总工会), tongzhou_officer (通州区总工会), luyuan_officer (潞源街道), haidian_officer
(海淀区总工会), chair (云锐工会主席), collector (永顺镇), outsider (a login with no role).
"""

from dataclasses import dataclass
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.accounts.models import User
from gonghui.demo.story import DEMO_PASSWORD, DemoStory, load_people_and_places
from gonghui.enterprises.models import Enterprise
from gonghui.orgs.actions import do_load_regions
from gonghui.orgs.management.commands.load_regions import read_region_data
from gonghui.orgs.models import OrgUnit

PASSWORD = DEMO_PASSWORD


@dataclass
class Personas:
    story: DemoStory
    city_admin: User
    tongzhou_officer: User
    luyuan_officer: User
    haidian_officer: User
    ganjiakou_officer: User
    chair: User
    collector: User
    bank_operator: User
    outsider: User

    def unit(self, code: str) -> OrgUnit:
        return self.story.units[code]

    def enterprise(self, key: str) -> Enterprise:
        return self.story.enterprises[key]

    def client(self, user: User) -> Client:
        """A console/API client signed in as `user` with the second factor passed, as after a real
        login with an authenticator (the TOTP flow itself is tested in accounts/tests/test_otp.py)."""
        client = Client()
        client.force_login(user)
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client


def make_personas() -> Personas:
    do_load_regions(acting_user=None, data=read_region_data())
    # The union tree, enterprises and staff of the story (orgs, accounts, enterprises only); an app's tests
    # add what they need of the apps above (cards/tests/conftest.py adds the bank branches), and members
    # are left for each test to enrol.
    story = load_people_and_places()
    users = {u.username: u for u in User.objects.all()}
    outsider = User.objects.create_user("outsider", password=PASSWORD, display_name="无角色用户")
    return Personas(
        story=story,
        city_admin=users["admin"],
        tongzhou_officer=users["tongzhou"],
        luyuan_officer=users["luyuan"],
        haidian_officer=users["haidian"],
        ganjiakou_officer=users["ganjiakou"],
        chair=users["yunrui"],
        collector=users["collector"],
        bank_operator=users["gaoli"],
        outsider=outsider,
    )


def json_of(response: Any) -> Any:
    return response.json() if response.content else None
