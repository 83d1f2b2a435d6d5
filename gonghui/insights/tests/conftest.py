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
    transfer = Transfer.objects.get(status=Transfer.Status.PROPOSED)
    do_decide_transfer(acting_user=personas.luyuan_officer, transfer=transfer, approve=True)
    return personas


@pytest.fixture
def leader(story) -> User:
    """通州区领导: the story's read-only VIEWER, held at 通州区总工会."""
    return User.objects.get(username="leader")


def period_end() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)
