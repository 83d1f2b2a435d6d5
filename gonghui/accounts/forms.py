from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.core.forms import NameField
from gonghui.orgs.forms import UnitChoiceField
from gonghui.orgs.models import OrgUnit, Role


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Login name"), max_length=150)
    password = forms.CharField(label=_("Password"), max_length=128, widget=forms.PasswordInput)


class OtpForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class StaffForm(forms.Form):
    username = forms.RegexField(label=_("Login name"), max_length=150, regex=r"^[\w.@+-]+$")
    display_name = NameField(label=_("Name"), max_length=100)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    password = forms.CharField(label=_("Initial password"), max_length=128, widget=forms.PasswordInput)
    unit = UnitChoiceField(label=_("Union"), queryset=OrgUnit.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args: object, units: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class GrantForm(forms.Form):
    unit = UnitChoiceField(label=_("Union"), queryset=OrgUnit.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args: object, units: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class PasswordChangeForm(forms.Form):
    current = forms.CharField(label=_("Current password"), max_length=128, widget=forms.PasswordInput)
    new = forms.CharField(label=_("New password"), max_length=128, widget=forms.PasswordInput)
    again = forms.CharField(label=_("New password again"), max_length=128, widget=forms.PasswordInput)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new") and data.get("again") and data["new"] != data["again"]:
            self.add_error("again", _("The two new passwords differ."))
        return data
