from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.cards.actions import RejectReason
from gonghui.cards.models import BankBranch
from gonghui.core.forms import LabelField
from gonghui.orgs.forms import UnitChoiceField
from gonghui.orgs.models import OrgUnit


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[
            (code, label)
            for code, label in RejectReason.LABELS.items()
            if code not in (RejectReason.ID_MISMATCH, RejectReason.ID_EXPIRED)
        ],
    )
    note = LabelField(label=_("Note"), max_length=200, required=False)


class MedicalForm(forms.Form):
    medical_account = forms.CharField(label=_("Medical-insurance account number"), max_length=40)


class StockForm(forms.Form):
    label = LabelField(label=_("Box label"), max_length=100)


class BatchForm(forms.Form):
    batch = LabelField(label=_("Batch number"), max_length=40, required=False)
    numbers = forms.CharField(
        label=_("Card numbers, one per line"), widget=forms.Textarea(attrs={"rows": 6}), max_length=200_000
    )


class VoidForm(forms.Form):
    number = forms.CharField(label=_("Card number"), max_length=40)
    reason = LabelField(label=_("Why it is voided"), max_length=200)


class BulkForm(forms.Form):
    union = UnitChoiceField(label=_("Union"), queryset=OrgUnit.objects.none())

    def __init__(self, *args, units, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["union"].queryset = units  # type: ignore[attr-defined]


class RouteForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=BankBranch.objects.none())

    def __init__(self, *args, branches, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]


class SelfPhoneForm(forms.Form):
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    code = forms.CharField(label=_("Verification code"), max_length=10, required=False)
