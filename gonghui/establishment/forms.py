from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.core.forms import FreeTextField, LabelField, NameField
from gonghui.establishment.actions import AssemblyFacts, GroupMember, StageStep
from gonghui.establishment.models import Stage, UnionPath
from gonghui.orgs.forms import UnitChoiceField
from gonghui.orgs.models import OrgUnit

DATE = forms.DateInput(attrs={"type": "date"})


class OpenCaseForm(forms.Form):
    stage_date = forms.DateField(label=_("Identified on"), widget=DATE)
    next_follow_up_date = forms.DateField(label=_("Next follow-up"), widget=DATE, required=False)
    note = FreeTextField(label=_("Note"), max_length=2000, required=False)


class StepForm(forms.Form):
    """What every stage carries: date, responsible officer (the one recording), next follow-up, note,
    the reason when stages are skipped, and the evidence scan."""

    stage_date = forms.DateField(label=_("Date"), widget=DATE)
    next_follow_up_date = forms.DateField(label=_("Next follow-up"), widget=DATE, required=False)
    note = FreeTextField(label=_("Note"), max_length=2000, required=False)
    skip_reason = LabelField(label=_("Reason for skipping stages"), max_length=300, required=False)
    evidence = forms.FileField(label=_("Evidence (scan, PDF or image)"), required=False)

    stage: str = ""

    def step(self) -> StageStep:
        d = self.cleaned_data
        return StageStep(
            stage=d.get("stage") or self.stage,
            stage_date=d["stage_date"],
            next_follow_up_date=d.get("next_follow_up_date"),
            note=d.get("note") or "",
            skip_reason=d.get("skip_reason") or "",
            evidence=d.get("evidence"),
        )


class SimpleStageForm(StepForm):
    stage = forms.ChoiceField(  # type: ignore[assignment]
        label=_("Stage"),
        choices=[(s.value, s.label) for s in (Stage.VISITED, Stage.ENTERPRISE_MEETING, Stage.INTENT_SIGNED)],
    )
    field_order = ["stage"]


class PreparatoryGroupForm(StepForm):
    stage = Stage.PREPARATORY_GROUP
    union_path = forms.ChoiceField(label=_("Path (Trade Union Law art. 11)"), choices=UnionPath.choices)
    union_path_reason = LabelField(label=_("Why this path"), max_length=300, required=False)
    expected_members = forms.IntegerField(
        label=_("Expected members"), min_value=0, max_value=10_000_000, required=False
    )
    joint_unit = UnitChoiceField(
        label=_("Joint grassroots union"), queryset=OrgUnit.objects.none(), required=False
    )

    def __init__(self, *args: Any, joint_units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["joint_unit"].queryset = joint_units
        for i in range(1, 6):
            self.fields[f"name_{i}"] = NameField(label=_("Name"), max_length=50, required=False)
            self.fields[f"resident_id_{i}"] = forms.CharField(
                label=_("Resident ID"), max_length=40, required=False
            )
            self.fields[f"leader_{i}"] = forms.BooleanField(label=_("Group leader"), required=False)
            self.fields[f"applies_{i}"] = forms.BooleanField(
                label=_("Not yet a member: applies to join"), required=False
            )

    def members(self) -> list[GroupMember]:
        d = self.cleaned_data
        return [
            GroupMember(
                name=d[f"name_{i}"],
                resident_id=d[f"resident_id_{i}"],
                is_leader=d[f"leader_{i}"],
                applies_to_join=d[f"applies_{i}"],
            )
            for i in range(1, 6)
            if d.get(f"name_{i}") or d.get(f"resident_id_{i}")
        ]


class ApprovalForm(StepForm):
    stage = Stage.APPROVED_BY_SUPERIOR
    document_number = LabelField(label=_("Approval document number"), max_length=100)


class AssemblyForm(StepForm):
    stage = Stage.FOUNDING_ASSEMBLY
    member_count = forms.IntegerField(label=_("Members"), min_value=1, max_value=10_000_000)
    women_member_count = forms.IntegerField(
        label=_("Women members"), min_value=0, max_value=10_000_000, initial=0
    )
    members_present = forms.IntegerField(label=_("Members present"), min_value=0, max_value=10_000_000)
    committee_size = forms.IntegerField(label=_("Committee members elected"), min_value=0, max_value=1000)
    chair_name = NameField(label=_("Chair"), max_length=50)
    funds_audit_committee = forms.BooleanField(label=_("Funds audit committee elected"), required=False)
    women_committee = forms.BooleanField(label=_("Women workers' committee set up"), required=False)
    term_years = forms.TypedChoiceField(
        label=_("Term (years)"), choices=[(3, "3"), (5, "5")], coerce=int, initial=5
    )

    def facts(self) -> AssemblyFacts:
        d = self.cleaned_data
        return AssemblyFacts(
            member_count=d["member_count"],
            members_present=d["members_present"],
            committee_size=d["committee_size"],
            chair_name=d["chair_name"],
            women_member_count=d["women_member_count"] or 0,
            funds_audit_committee=d["funds_audit_committee"],
            women_committee=d["women_committee"],
            term_years=d["term_years"],
        )


class RegistrationForm(StepForm):
    stage = Stage.REGISTERED
    certificate_number = LabelField(label=_("Legal person certificate number"), max_length=50)
    union_uscc = forms.CharField(label=_("Union's unified social credit code"), max_length=40)


class EstablishForm(forms.Form):
    union_code = LabelField(label=_("Code of the new union"), max_length=32)
    union_name = NameField(label=_("Name of the new union"), max_length=200)
    chair_username = forms.CharField(label=_("Chair's login name"), max_length=150, required=False)
    chair_password = forms.CharField(
        label=_("Initial password (for a new login)"),
        widget=forms.PasswordInput,
        required=False,
        max_length=128,
    )


class ReasonForm(forms.Form):
    reason = LabelField(label=_("Reason"), max_length=300)
