"""Form fields that apply the shared text rules (core/text.py): a console form's name, address, label or
free-text field refuses what the API refuses, with the same code, shown on the field."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from gonghui.core.errors import DomainError
from gonghui.core.text import TextKind, clean_text


class TextField(forms.CharField):
    kind: TextKind = TextKind.LABEL

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        try:
            return clean_text(value, self.kind)
        except DomainError as error:
            raise ValidationError(error.message, code=error.code) from None


class NameField(TextField):
    kind = TextKind.NAME


class AddressField(TextField):
    kind = TextKind.ADDRESS


class LabelField(TextField):
    kind = TextKind.LABEL


class FreeTextField(TextField):
    """Several lines: give it a Textarea (the default here)."""

    kind = TextKind.FREE_TEXT
    widget = forms.Textarea


class LabelLinesField(TextField):
    """A list typed one item a line (partner units, questionnaire choices): each line is a label; blank
    lines are dropped; the cleaned value is the lines joined by \\n."""

    kind = TextKind.FREE_TEXT
    widget = forms.Textarea

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        try:
            lines = [clean_text(line, TextKind.LABEL) for line in text.split("\n")]
        except DomainError as error:
            raise ValidationError(error.message, code=error.code) from None
        return "\n".join(line for line in lines if line)
