from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.core.forms import LabelField, NameField
from gonghui.members.actions import EnrolmentData
from gonghui.members.models import Education, EmploymentStatus, HukouType, PoliticalStatus
from gonghui.orgs.forms import UnitChoiceField
from gonghui.orgs.models import OrgUnit


def _optional(choices: Any) -> list[tuple[str, str]]:
    return [("", "—"), *choices]


class EnrolForm(forms.Form):
    union = UnitChoiceField(label=_("Union"), queryset=OrgUnit.objects.none())
    name = NameField(label=_("Name (as on the ID card)"), max_length=50)
    resident_id = forms.CharField(label=_("Resident ID number"), max_length=40)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    ethnicity = LabelField(label=_("Ethnic group"), max_length=20, required=False)
    education = forms.ChoiceField(label=_("Education"), choices=_optional(Education.choices), required=False)
    political_status = forms.ChoiceField(
        label=_("Political status"), choices=_optional(PoliticalStatus.choices), required=False
    )
    hukou_type = forms.ChoiceField(
        label=_("Household registration"), choices=_optional(HukouType.choices), required=False
    )
    is_migrant_worker = forms.BooleanField(label=_("Migrant worker"), required=False)
    employer_name = NameField(label=_("Employer"), max_length=200, required=False)
    employment_status = forms.ChoiceField(
        label=_("Employment status"), choices=EmploymentStatus.choices, initial=EmploymentStatus.EMPLOYED
    )
    consent = forms.BooleanField(
        label=_("The person has read the privacy notice and agrees to their data being collected"),
        required=False,
    )
    confirm_area_warning = forms.BooleanField(
        label=_("I have checked the ID card: the area code is right"), required=False
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["union"].queryset = units

    def to_data(self) -> EnrolmentData:
        return EnrolmentData.from_form(self.cleaned_data)


class RejectForm(forms.Form):
    reason = LabelField(label=_("Reason"), max_length=200)


class DecideTransferForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("1", _("Approve")), ("0", _("Reject"))], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )
    reason = LabelField(label=_("Reason (required to reject)"), max_length=200, required=False)
