"""Building blocks for the card tests: members enrolled through the real action, the pad's steps as the
pad posts them (the simulated devices sign with the branch's device key)."""

import datetime
import time
from typing import Any

from django.utils import timezone
from stdnum.cn import ric

from gonghui.cards import actions
from gonghui.cards.models import BankBranch, CardApplication
from gonghui.cards.signing import FingerprintConfirmation, sign_fingerprint
from gonghui.demo.personas import Personas
from gonghui.members.actions import EnrolmentData, do_enrol_member
from gonghui.members.models import Channel, EmploymentStatus, Membership

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def resident_id(n: int, *, area: str = "110112") -> str:
    birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=(n * 37) % 12000)
    body = f"{area}{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def name_for(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + "小" + "一二三四五六七八九十"[n // len(SURNAMES) % 10]


def enrol(
    personas: Personas,
    n: int,
    *,
    union_code: str = "BJ-TZ-YS-YR",
    employment_status: str = EmploymentStatus.EMPLOYED,
    phone: str | None = None,
    channel: str = Channel.CONSOLE,
) -> Membership:
    union = personas.unit(union_code)
    officer = personas.chair if union_code == "BJ-TZ-YS-YR" else personas.tongzhou_officer
    outcome = do_enrol_member(
        acting_user=officer if channel == Channel.CONSOLE else None,
        union=union,
        data=EnrolmentData(
            name=name_for(n),
            resident_id=resident_id(n),
            phone=phone if phone is not None else f"139{n:08d}",
            employment_status=employment_status,
        ),
        channel=channel,
        consent_given=True,
        confirm_area_warning=True,
    )
    return outcome.membership


def branch(code: str) -> BankBranch:
    return BankBranch.objects.get(code=code)


def apply(personas: Personas, membership: Membership) -> CardApplication:
    return actions.do_create_card_application(acting_user=personas.chair, membership=membership)


def reading_for(application: CardApplication, **changes: Any) -> actions.IdCardReading:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "name": application.person.name,
        "resident_id": application.person.resident_id,
        "valid_from": (today - datetime.timedelta(days=2 * 365)),
        "valid_until": (today + datetime.timedelta(days=8 * 365)),
        "issuing_authority": "北京市公安局通州分局",
        "reader_id": "test-reader",
    }
    values.update(changes)
    return actions.IdCardReading(**values)


def fingerprint(application: CardApplication, by: Any, **changes: Any) -> FingerprintConfirmation:
    branch = application.branch
    assert branch is not None
    values: dict[str, Any] = {
        "secret": branch.authoriser_secret,
        "device_id": branch.authoriser_device_id,
        "application_id": application.pk,
        "operator": by.username,
        "confirmed_at": int(time.time()),
    }
    values.update(changes)
    return sign_fingerprint(**values)


def walk_to_authorised(application: CardApplication, operator: Any) -> CardApplication:
    application = actions.do_call_card_application(acting_user=operator, application=application)
    application = actions.do_record_id_card_read(
        acting_user=operator, application=application, reading=reading_for(application)
    )
    return actions.do_authorise_card_application(
        acting_user=operator, application=application, confirmation=fingerprint(application, operator)
    )
