"""Console forms of the 朋友圈: post a need, the unit's claim / send back / schedule / served / close, the
requester's answer, and a committee's member units and their logins."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.core.forms import AddressField, FreeTextField, LabelField, NameField
from gonghui.enterprises.models import Enterprise, Worksite
from gonghui.enterprises.queries import enterprises_in_scope, list_worksites
from gonghui.needs.actions import NeedData, PartnerUnitData
from gonghui.needs.models import Committee, DeadlineClass, Need, PartnerUnit, WorkType
from gonghui.needs.queries import active_deadline_classes, active_work_types, committees_to_manage

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT)
    input_formats = [LOCAL_INPUT, "%Y-%m-%d %H:%M"]


class NeedForm(forms.Form):
    committee = forms.ModelChoiceField(label=_("Committee"), queryset=Committee.objects.none())
    title = LabelField(label=_("Title"), max_length=100)
    work_type = forms.ModelChoiceField(label=_("Work type"), queryset=WorkType.objects.none())
    worksite = forms.ModelChoiceField(
        label=_("Worksite"), queryset=Worksite.objects.none(), required=False, empty_label=_("— none —")
    )
    enterprise = forms.ModelChoiceField(
        label=_("Enterprise"), queryset=Enterprise.objects.none(), required=False, empty_label=_("— none —")
    )
    people_count = forms.IntegerField(label=_("People concerned"), min_value=1, max_value=100_000)
    deadline_class = forms.ModelChoiceField(
        label=_("Urgency"), queryset=DeadlineClass.objects.none(), empty_label=None
    )
    description = FreeTextField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Ticked after the possible duplicates were shown: post anyway.
    confirm_duplicate = forms.BooleanField(label=_("Post it anyway"), required=False)
    # Carried from the meeting page ("post as a need"): the need links back to what was heard there.
    # Hidden: no label (an automatic English one would show on the page).
    meeting = forms.IntegerField(label="", required=False, widget=forms.HiddenInput)
    response = forms.IntegerField(label="", required=False, widget=forms.HiddenInput)
    follow_up = forms.IntegerField(label="", required=False, widget=forms.HiddenInput)
    meeting_choice = LabelField(label="", required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args: Any, acting_user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["committee"].queryset = committees_to_manage(acting_user).order_by("name", "pk")
        fields["work_type"].queryset = active_work_types()
        fields["deadline_class"].queryset = active_deadline_classes()
        fields["worksite"].queryset = list_worksites(acting_user=acting_user)
        fields["enterprise"].queryset = enterprises_in_scope(acting_user).order_by("name", "pk")
        first = fields["committee"].queryset.first()
        if first is not None:
            self.initial.setdefault("committee", first.pk)
        general = fields["deadline_class"].queryset.filter(code="GENERAL").first()
        if general is not None:
            self.initial.setdefault("deadline_class", general.pk)

    def to_data(self) -> NeedData:
        c = self.cleaned_data
        return NeedData(
            committee=c["committee"],
            work_type=c["work_type"],
            deadline_class=c["deadline_class"],
            title=c["title"],
            description=c["description"],
            people_count=c["people_count"],
            worksite=c["worksite"],
            enterprise=c["enterprise"],
        )


class ClaimForm(forms.Form):
    work_types = forms.ModelMultipleChoiceField(
        label=_("For"), queryset=WorkType.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, unit: PartnerUnit, need: Need, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = unit.work_types.filter(is_active=True).order_by("position", "pk")
        self.fields["work_types"].queryset = offered  # type: ignore[attr-defined]
        if offered.filter(pk=need.work_type_id).exists():
            self.initial.setdefault("work_types", [need.work_type_id])


class ReasonForm(forms.Form):
    reason = LabelField(label=_("Reason"), max_length=300)


class ScheduleForm(forms.Form):
    starts_at = LocalDateTimeField(label=_("Date and time"))
    place = AddressField(label=_("Place"), max_length=300, required=False)
    brought = LabelField(label=_("What is brought"), max_length=300, required=False)


class ServedForm(forms.Form):
    head_count = forms.IntegerField(label=_("People served"), min_value=1, max_value=5000)


class CloseForm(forms.Form):
    closure = forms.ChoiceField(label=_("Outcome"), choices=Need.Closure.choices, widget=forms.RadioSelect)
    reason = LabelField(label=_("Reason (required unless resolved)"), max_length=300, required=False)


class ConfirmForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        coerce=int,
        choices=[(5, "5"), (4, "4"), (3, "3"), (2, "2"), (1, "1")],
        widget=forms.RadioSelect,
    )


class PartnerUnitForm(forms.Form):
    name = NameField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=PartnerUnit.Kind.choices)
    work_types = forms.ModelMultipleChoiceField(
        label=_("Work types offered"),
        queryset=WorkType.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contact_name = NameField(label=_("Contact"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=_("Duty phone (receives new needs by SMS)"), max_length=20, required=False
    )
    covers = AddressField(label=_("Worksites or area covered"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["work_types"].queryset = active_work_types()  # type: ignore[attr-defined]

    def to_data(self) -> PartnerUnitData:
        c = self.cleaned_data
        return PartnerUnitData(
            name=c["name"],
            kind=c["kind"],
            work_types=list(c["work_types"]),
            contact_name=c["contact_name"],
            contact_phone=c["contact_phone"],
            covers=c["covers"],
        )


class PartnerStaffForm(forms.Form):
    username = LabelField(label=_("Login name"), max_length=150)
    display_name = NameField(label=_("Name"), max_length=100)
    password = forms.CharField(
        label=_("First password (changed at first sign-in)"), widget=forms.PasswordInput
    )
    is_unit_admin = forms.BooleanField(label=_("May add colleagues"), required=False)


class QuestionForm(forms.Form):
    question = LabelField(
        label=_("Question to the requester (the deadline waits for the answer)"), max_length=300
    )


class AnswerForm(forms.Form):
    answer = LabelField(label=_("Your answer"), max_length=300)
