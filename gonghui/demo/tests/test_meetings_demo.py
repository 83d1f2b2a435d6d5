"""The demo story's meetings: loaded through the actions, with real numbers for the funnel and charts."""

from django.core.management import call_command

from gonghui.cards.models import CardApplication
from gonghui.demo.meetings import SERIES_TITLE, SITE_TITLE, XINYI_TITLE, YUNRUI_TITLE
from gonghui.enterprises.models import IntentLetter
from gonghui.meetings import queries
from gonghui.meetings.models import Meeting, MeetingSeries, Response


def _counts(meeting):
    funnel = queries.meeting_funnel(meeting)
    return {s.key: s.count for s in funnel.people + funnel.enterprises}


def test_the_demo_meetings_tell_the_story_and_load_twice_without_duplicates(db):
    call_command("demo")
    first = (Meeting.objects.count(), Response.objects.count(), IntentLetter.objects.count())
    call_command("demo")
    assert (Meeting.objects.count(), Response.objects.count(), IntentLetter.objects.count()) == first

    yunrui = Meeting.objects.get(title=YUNRUI_TITLE)
    assert yunrui.status == Meeting.Status.CLOSED and yunrui.partner_unit_list == ["北京银行通州支行"]
    assert yunrui.card_branch is not None and str(yunrui.card_branch) == "北京银行通州支行"
    # 4 named check-ins + a head count of 58 at the desk; 云锐's 4 members and 郑洁's pending application;
    # 赵敏's card issued on gaoli's pad.
    assert _counts(yunrui) == {
        "attended": 62,
        "answered": 6,
        "applied": 5,
        "approved": 4,
        "cards_issued": 1,
        "enterprises_met": 0,
        "intents_signed": 0,
    }
    site = Meeting.objects.get(title=SITE_TITLE)
    assert site.status == Meeting.Status.HELD and site.worksite is not None
    assert _counts(site)["applied"] == 3 and _counts(site)["cards_issued"] == 0
    # 云锐's members joined at the lobby meeting: their applications went to its card branch.
    applications = CardApplication.objects.filter(membership__meeting=yunrui)
    assert applications.exists()
    assert set(applications.values_list("branch_id", flat=True)) == {yunrui.card_branch_id}
    xinyi = Meeting.objects.get(title=XINYI_TITLE)
    assert _counts(xinyi)["enterprises_met"] == 1 and _counts(xinyi)["intents_signed"] == 1
    letter = IntentLetter.objects.get(meeting=xinyi)
    assert letter.scan.read().startswith(b"%PDF-")
    assert MeetingSeries.objects.get(title=SERIES_TITLE).meetings.count() == 8
