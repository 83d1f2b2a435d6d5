"""The card part of the demo story: 北京银行通州支行 (serves all of 通州; operator gaoli) and 潞城支行
(serves 潞城镇; operator luchengbank), each with a card box. With members: 云锐's members are applied for
in bulk and worked on gaoli's pad — 赵敏 gets her card with the medical-insurance link, 孙浩 is stopped
because the ID card read did not match, 周婷 and 吴雪 wait in the queue; the 三标段 workers are re-routed
by 潞源's officer to 潞城支行, where they wait. Loading twice changes nothing."""

import contextlib
import datetime
import time
from typing import Any

from django.utils import timezone

from gonghui.accounts.actions import do_create_staff
from gonghui.accounts.models import User
from gonghui.cards import actions
from gonghui.cards.models import BankBranch, BranchOperator, CardApplication, CardStock
from gonghui.cards.numbers import sequential_card_numbers
from gonghui.cards.signing import sign_fingerprint
from gonghui.orgs.models import Role

BIN = "621468"  # fictional
# (code, bank, branch, serves unit, operator login, operator name, first serial, box size)
BRANCHES = [
    ("BOB-TZ", "北京银行", "通州支行", "BJ-TZ", "gaoli", "", 100_000, 60),
    ("BOB-LC", "北京银行", "潞城支行", "BJ-TZ-LC", "luchengbank", "李明（北京银行潞城支行）", 200_000, 15),
]


# The branch issuing cards at the 云锐 lobby meeting (gonghui/demo/meetings.py names it as the meeting's
# card branch, so the branches are loaded before the meetings).
MEETING_BRANCH = "BOB-TZ"


def load_card_branches(story: Any, *, demo_password: str) -> dict[str, BankBranch]:
    """The branches, their operators and card boxes (also for the test personas, without members)."""
    admin = User.objects.get(username="admin")
    branches: dict[str, BankBranch] = {}
    for code, bank, name, unit_code, login, display, first, size in BRANCHES:
        unit = story.units[unit_code]
        branch = BankBranch.objects.filter(code=code).first()
        if branch is None:
            branch = actions.do_create_bank_branch(
                acting_user=admin, code=code, bank_name=bank, name=name, serves_unit=unit, bin_prefix=BIN
            )
            actions.do_issue_partner_key(acting_user=admin, branch=branch)
        branches[code] = branch
        user = User.objects.filter(username=login).first()
        if user is None:
            user = do_create_staff(
                acting_user=admin,
                username=login,
                display_name=display,
                password=demo_password,
                unit=unit,
                role=Role.BANK_OPERATOR,
            )
        if display:
            story.logins.append(_login(login, unit.name, display))
        if not BranchOperator.objects.filter(user=user).exists():
            actions.do_assign_branch_operator(acting_user=admin, branch=branch, user=user)
        if not CardStock.objects.filter(branch=branch).exists():
            stock = actions.do_create_card_stock(acting_user=user, branch=branch, label=f"{name}1号卡箱")
            numbers = sequential_card_numbers(bin_prefix=BIN, start=first, count=size)
            actions.do_load_card_batch(acting_user=user, stock=stock, numbers=numbers, batch=f"{code}-001")
    return branches


def load_card_story(story: Any) -> None:
    """Applications for 云锐 and the 三标段 workers, worked on the pads. 云锐's members joined at the lobby
    meeting, so their applications go to the meeting's card branch."""
    _work_the_pads(story, {b.code: b for b in BankBranch.objects.filter(code__in=[c[0] for c in BRANCHES])})


def _login(username: str, unit_name: str, display: str) -> Any:
    from gonghui.demo.story import DemoLogin

    return DemoLogin(username, str(Role.BANK_OPERATOR.label), unit_name, display)


def _work_the_pads(story: Any, branches: dict[str, BankBranch]) -> None:
    yunrui_union = story.units["BJ-TZ-YS-YR"]
    site_union = story.units["BJ-TZ-LY-SB3"]
    if CardApplication.objects.filter(union__in=[yunrui_union, site_union]).exists():
        return
    chair = User.objects.get(username="yunrui")
    luyuan = User.objects.get(username="luyuan")
    gaoli = User.objects.get(username="gaoli")
    actions.do_create_card_applications_for_union(acting_user=chair, union=yunrui_union)
    site = actions.do_create_card_applications_for_union(acting_user=luyuan, union=site_union)
    for application in site.created:
        # 潞源's officer sends the worksite's workers to the branch next to the site.
        actions.do_route_card_application(
            acting_user=luyuan, application=application, branch=branches["BOB-LC"]
        )
    queue = {
        a.person.name: a for a in CardApplication.objects.filter(union=yunrui_union).select_related("person")
    }
    if "赵敏" in queue:
        _issue_on_pad(gaoli, branches["BOB-TZ"], queue["赵敏"], medical_account="110112000123456789")
    if "孙浩" in queue:
        application = actions.do_call_card_application(acting_user=gaoli, application=queue["孙浩"])
        other = actions.IdCardReading(
            name="孙涛",
            resident_id="110101199003071234",
            valid_from=timezone.localdate() - datetime.timedelta(days=6 * 365),
            valid_until=timezone.localdate() + datetime.timedelta(days=14 * 365),
            issuing_authority="北京市公安局东城分局",
            reader_id="demo-reader",
        )
        # The story: the card on the reader was his brother's; the pad stops and the refusal is recorded.
        with contextlib.suppress(actions.IdCardMismatch):
            actions.do_record_id_card_read(acting_user=gaoli, application=application, reading=other)


def _issue_on_pad(
    operator: User, branch: BankBranch, application: CardApplication, *, medical_account: str
) -> None:
    """The pad's steps as the pad would post them (simulated reader and fingerprint device)."""
    application = actions.do_call_card_application(acting_user=operator, application=application)
    person = application.person
    today = timezone.localdate()
    actions.do_record_id_card_read(
        acting_user=operator,
        application=application,
        reading=actions.IdCardReading(
            name=person.name,
            resident_id=person.resident_id,
            valid_from=(today - datetime.timedelta(days=3 * 365)),
            valid_until=(today + datetime.timedelta(days=7 * 365)),
            issuing_authority="北京市公安局通州分局",
            reader_id="demo-reader",
        ),
    )
    confirmation = sign_fingerprint(
        secret=branch.authoriser_secret,
        device_id=branch.authoriser_device_id,
        application_id=application.pk,
        operator=operator.username,
        confirmed_at=int(time.time()),
    )
    actions.do_authorise_card_application(
        acting_user=operator, application=application, confirmation=confirmation
    )
    actions.do_issue_card(acting_user=operator, application=application)
    actions.do_link_medical_insurance(
        acting_user=operator, application=application, account_reference=medical_account
    )
    actions.do_complete_card_application(acting_user=operator, application=application)
