from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.cards.models import BankBranch
from gonghui.cards.queries import branches_for_routing
from gonghui.core.forms import AddressField, FreeTextField, LabelField, LabelLinesField, NameField
from gonghui.enterprises.models import Enterprise, Worksite
from gonghui.enterprises.queries import enterprises_in_scope, list_worksites
from gonghui.meetings.actions import (
    RANK_MANAGE_MEETINGS,
    FollowUpData,
    MeetingData,
    MeetingOutcome,
    QuestionSpec,
)
from gonghui.meetings.models import Cadence, MeetingKind, PlaceKind, QuestionKind, Questionnaire
from gonghui.meetings.queries import questionnaires_in_scope
from gonghui.members.queries import MEMBER_UNION_KINDS, RANK_MANAGE_LINKS
from gonghui.orgs.forms import UnitChoiceField
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.queries import units_in_scope

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT)
    input_formats = [LOCAL_INPUT, "%Y-%m-%d %H:%M"]


def organiser_units(user: Any) -> Any:
    return (
        units_in_scope(user, min_rank=RANK_MANAGE_MEETINGS)
        .filter(status=OrgUnit.Status.ACTIVE)
        .order_by("path")
    )


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    title = LabelField(label=_("Title"), max_length=200)
    organiser = UnitChoiceField(label=_("Organising union"), queryset=OrgUnit.objects.none())
    starts_at = LocalDateTimeField(label=_("Starts at"))
    ends_at = LocalDateTimeField(label=_("Ends at"))
    cadence = forms.ChoiceField(label=_("Cadence"), choices=Cadence.choices, initial=Cadence.ONE_OFF)
    place_kind = forms.ChoiceField(label=_("Place"), choices=PlaceKind.choices)
    enterprise = forms.ModelChoiceField(
        label=_("Enterprise"), queryset=Enterprise.objects.none(), required=False, empty_label=_("— none —")
    )
    worksite = forms.ModelChoiceField(
        label=_("Worksite"), queryset=Worksite.objects.none(), required=False, empty_label=_("— none —")
    )
    address = AddressField(label=_("Address or spot (e.g. the lobby)"), max_length=300, required=False)
    target_enterprises = forms.ModelMultipleChoiceField(
        label=_("Target enterprises"),
        queryset=Enterprise.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    partner_units = LabelLinesField(
        label=_("Partner units taking part (one a line)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    questionnaire = forms.ModelChoiceField(
        label=_("Questionnaire"),
        queryset=Questionnaire.objects.none(),
        required=False,
        empty_label=_("— none —"),
    )
    card_branch = forms.ModelChoiceField(
        label=_("Bank branch issuing cards at the meeting"),
        queryset=BankBranch.objects.none(),
        required=False,
        empty_label=_("— none —"),
        help_text=_("Card applications of the members enrolled at this meeting go to this branch's pad."),
    )

    def __init__(self, *args: Any, acting_user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["organiser"].queryset = organiser_units(acting_user)
        enterprises = enterprises_in_scope(acting_user).order_by("name", "pk")
        fields["enterprise"].queryset = enterprises
        fields["target_enterprises"].queryset = enterprises
        fields["worksite"].queryset = list_worksites(acting_user=acting_user)
        fields["questionnaire"].queryset = questionnaires_in_scope(acting_user).order_by("title", "pk")
        fields["card_branch"].queryset = branches_for_routing(acting_user)
        # The user's own (topmost) union first: a street officer's meetings are usually the street's.
        first = fields["organiser"].queryset.first()
        if first is not None:
            self.initial.setdefault("organiser", first.pk)

    def to_data(self) -> MeetingData:
        c = self.cleaned_data
        return MeetingData(
            kind=c["kind"],
            title=c["title"],
            organiser=c["organiser"],
            starts_at=c["starts_at"],
            ends_at=c["ends_at"],
            place_kind=c["place_kind"],
            enterprise=c["enterprise"],
            worksite=c["worksite"],
            address=c["address"],
            cadence=c["cadence"],
            partner_units=c["partner_units"],
            target_enterprises=list(c["target_enterprises"]),
            questionnaire=c["questionnaire"],
            card_branch=c["card_branch"],
        )


class MeetingCreateForm(MeetingForm):
    weekly_count = forms.IntegerField(
        label=_("Repeat weekly: how many meetings (leave empty for one)"),
        min_value=2,
        max_value=52,
        required=False,
    )


class MeetingEditForm(MeetingForm):
    rest_of_series = forms.BooleanField(
        label=_("Apply to this and every later planned meeting of the series (each keeps its date)"),
        required=False,
    )


class CloseForm(forms.Form):
    attendance = forms.IntegerField(
        label=_("Attendance (empty: the checked-in head count)"),
        min_value=0,
        max_value=100_000,
        required=False,
    )
    consultations = forms.IntegerField(label=_("Consultations"), min_value=0, max_value=100_000, initial=0)
    materials_handed_out = forms.IntegerField(
        label=_("Materials handed out"), min_value=0, max_value=100_000, initial=0
    )
    notes = FreeTextField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    management_attendees = FreeTextField(
        label=_("Attended for the management"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    concerns = FreeTextField(
        label=_("Concerns raised"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    service_package = FreeTextField(
        label=_("Service package offered"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    follow_up_1 = LabelField(label=_("Follow-up"), required=False, max_length=300)
    owner_1 = NameField(label=_("Owner"), required=False, max_length=100)
    due_1 = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    follow_up_2 = LabelField(label=_("Follow-up"), required=False, max_length=300)
    owner_2 = NameField(label=_("Owner"), required=False, max_length=100)
    due_2 = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, enterprise_meeting: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not enterprise_meeting:
            for name in ("management_attendees", "concerns", "service_package"):
                del self.fields[name]

    def to_outcome(self) -> MeetingOutcome:
        c = self.cleaned_data
        follow_ups = [
            FollowUpData(c[f"follow_up_{i}"], c[f"owner_{i}"], c[f"due_{i}"])
            for i in (1, 2)
            if c[f"follow_up_{i}"] or c[f"owner_{i}"] or c[f"due_{i}"]
        ]
        return MeetingOutcome(
            attendance=c["attendance"],
            consultations=c["consultations"] or 0,
            materials_handed_out=c["materials_handed_out"] or 0,
            notes=c["notes"],
            management_attendees=c.get("management_attendees", ""),
            concerns=c.get("concerns", ""),
            service_package=c.get("service_package", ""),
            follow_ups=follow_ups,
        )


class StaffCheckInForm(forms.Form):
    name = NameField(label=_("Full name"), max_length=50, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    head_count = forms.IntegerField(
        label=_("Head count (without details)"), min_value=1, max_value=500, initial=1
    )


class MeetingJoinLinkForm(forms.Form):
    union = UnitChoiceField(label=_("Union the workers join"), queryset=OrgUnit.objects.none())

    def __init__(self, *args: Any, acting_user: Any, meeting: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A member union under the organiser (or the organiser's own), managed by the user.
        fields: dict[str, Any] = self.fields
        fields["union"].queryset = (
            units_in_scope(acting_user, min_rank=RANK_MANAGE_LINKS)
            .filter(
                kind__in=MEMBER_UNION_KINDS,
                status=OrgUnit.Status.ACTIVE,
                path__startswith=meeting.organiser.path,
            )
            .order_by("path")
        )


class IntentLetterForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.none())
    signatory_name = NameField(label=_("Signed by"), max_length=50)
    signatory_title = LabelField(label=_("Signatory's position"), max_length=100, required=False)
    signed_date = forms.DateField(label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"}))
    scan = forms.FileField(label=_("Scan (PDF, JPEG or PNG, at most 10 MB)"), required=False)

    def __init__(self, *args: Any, meeting: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["enterprise"].queryset = meeting.target_enterprises.order_by("name")
        if meeting.enterprise_id:
            self.initial.setdefault("enterprise", meeting.enterprise_id)


class QuestionnaireNewForm(forms.Form):
    owner = UnitChoiceField(label=_("Owning union"), queryset=OrgUnit.objects.none())
    template = forms.ChoiceField(label=_("Start from"), required=False)
    title = LabelField(label=_("Title (empty: the template's)"), max_length=200, required=False)

    def __init__(self, *args: Any, acting_user: Any, templates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["owner"].queryset = organiser_units(acting_user)
        fields["template"].choices = [("", _("— a blank questionnaire —")), *templates]
        units = list(fields["owner"].queryset[:2])
        if len(units) == 1:
            self.initial.setdefault("owner", units[0].pk)


class QuestionForm(forms.Form):
    """One question in the builder. Choices one a line; show-if names an earlier single-choice question
    by its number."""

    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    text = LabelField(label=_("Question"), max_length=300)
    choices = LabelLinesField(
        label=_("Choices (one a line)"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    show_if_position = forms.IntegerField(
        label=_("Show only if question no."), min_value=1, max_value=50, required=False
    )
    show_if_choice = LabelField(label=_("was answered"), max_length=100, required=False)

    def to_spec(self) -> QuestionSpec:
        c = self.cleaned_data
        return QuestionSpec(
            kind=c["kind"],
            text=c["text"],
            choices=[line.strip() for line in c["choices"].splitlines() if line.strip()],
            required=c["required"],
            show_if_position=c["show_if_position"],
            show_if_choice=c["show_if_choice"],
        )


class CheckInForm(forms.Form):
    """The worker's own phone: name and phone (or nothing, to be counted anonymously)."""

    name = NameField(label=_("Full name"), max_length=50, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)


class HostCheckInForm(forms.Form):
    name = NameField(label=_("Full name"), max_length=50, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    head_count = forms.IntegerField(
        label=_("Or a head count without details"), min_value=1, max_value=500, required=False
    )
