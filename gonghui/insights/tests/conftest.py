import datetime

import pytest
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.demo.story import load_demo_story
from gonghui.members.actions import do_decide_transfer
from gonghui.members.models import Transfer

# A period covering everything the story does (it runs at the time of the test).
START = datetime.date(2000, 1, 1)


@pytest.fixture
def story(personas):
    """The whole demo story (members, transfers, meetings, cards) with its transfer approved, so every
    panel has something to count in more than one district."""
    load_demo_story()
    # 孙浩's move from 云锐 to the worksite (other apps' parts of the story propose transfers of their own).
    transfer = Transfer.objects.get(
        status=Transfer.Status.PROPOSED,
        from_membership__union__code="BJ-TZ-YS-YR",
        to_membership__union__code="BJ-TZ-LY-SB3",
    )
    do_decide_transfer(acting_user=personas.luyuan_officer, transfer=transfer, approve=True)
    return personas


@pytest.fixture
def leader(story) -> User:
    """通州区领导: the story's read-only VIEWER, held at 通州区总工会."""
    return User.objects.get(username="leader")


def period_end() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)
