import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

# Long enough for any report a leader asks for; short enough that a period is a bounded amount of work.
MAX_PERIOD_DAYS = 5 * 366


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last twelve months: from the first day of the month eleven months ago to today."""
    month_index = today.year * 12 + today.month - 1 - 11
    return datetime.date(month_index // 12, month_index % 12 + 1, 1), today


class DashboardFilterForm(forms.Form):
    """The period of the dashboard; the unit comes in the query string as `unit` (an id checked by
    access_org_unit)."""

    start = forms.DateField(
        label=_("Period from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Period to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, today: datetime.date, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.today = today

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        default_start, default_end = default_period(self.today)
        start = data.get("start") or default_start
        end = data.get("end") or default_end
        assert isinstance(start, datetime.date) and isinstance(end, datetime.date)
        if end < start:
            raise forms.ValidationError(_("The period must end on or after the day it starts."))
        if (end - start).days > MAX_PERIOD_DAYS:
            raise forms.ValidationError(_("Choose a period of at most five years."))
        data["start"], data["end"] = start, end
        return data

    def period(self) -> tuple[datetime.date, datetime.date]:
        """The period asked for when valid, else the default (the page shows the form's errors)."""
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return default_period(self.today)
