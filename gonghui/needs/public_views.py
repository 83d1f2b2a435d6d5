"""The worker's page at a service event, no login: /needs/s/<token>/ — check in with name and phone, as at
a meeting (the same rate limits per client address, neutral answers, every bad value a message on the
page). The event's QR code is shown on the unit's phone (needs:unit_event_qr)."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from gonghui.core.errors import DomainError
from gonghui.core.forms import NameField
from gonghui.members.join import check_ip_rate, client_ip
from gonghui.needs import actions, queries

# Per client address: the workers of a site share its Wi-Fi or a carrier's NAT, so generous.
IP_CHECK_IN_LIMIT = (120, 600)


class ServedCheckInForm(forms.Form):
    name = NameField(label=_("Full name"), max_length=50)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)


def served_check_in(request: HttpRequest, token: str) -> HttpResponse:
    event = queries.service_event_by_token(token)
    if event is None:
        return render(request, "needs/public/not_found.html", status=404)
    form = ServedCheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check_ip_rate(client_ip(request), bucket="needs-served-check-in", limit=IP_CHECK_IN_LIMIT)
            actions.do_check_in_served(
                event=event, name=form.cleaned_data["name"], phone=form.cleaned_data["phone"]
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return render(request, "needs/public/thanks.html", {"event": event})
    return render(
        request,
        "needs/public/check_in.html",
        {"event": event, "form": form},
        status=400 if form.errors else 200,
    )
