"""Console pages for questionnaires: list, builder, results with charts (of a questionnaire or of one
meeting), CSV export."""

import csv
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from gonghui.core.access import parse_id
from gonghui.core.console import apply_error, staff_required
from gonghui.core.errors import DomainError, NotFound
from gonghui.meetings import actions, queries
from gonghui.meetings.access import access_meeting, access_questionnaire, access_version
from gonghui.meetings.actions import RANK_MANAGE_MEETINGS, QuestionSpec
from gonghui.meetings.catalogue import TEMPLATES
from gonghui.meetings.forms import QuestionForm, QuestionnaireNewForm
from gonghui.meetings.models import Response
from gonghui.meetings.views import PAGE_SIZE
from gonghui.orgs.scope import rank_at


def _template_choices() -> list[tuple[str, str]]:
    return [(key, title) for key, (title, _d, _k, _q) in TEMPLATES.items()]


@staff_required
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    form = QuestionnaireNewForm(request.POST or None, acting_user=request.user, templates=_template_choices())
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data["template"]
        try:
            if key:
                title, description, _kind, specs = TEMPLATES[key]
                questionnaire = actions.do_create_questionnaire(
                    acting_user=request.user,
                    owner=form.cleaned_data["owner"],
                    title=form.cleaned_data["title"] or title,
                    description=description,
                    questions=list(specs),
                    template_key=key,
                )
            else:
                questionnaire = actions.do_create_questionnaire(
                    acting_user=request.user,
                    owner=form.cleaned_data["owner"],
                    title=form.cleaned_data["title"],
                    # A blank questionnaire starts with one question to edit.
                    questions=[QuestionSpec("TEXT", gettext("Your comments"))],
                )
        except DomainError as error:
            apply_error(form, error)
        else:
            return redirect("meetings:questionnaire", questionnaire_id=questionnaire.pk)
    return render(
        request,
        "meetings/questionnaire_list.html",
        {
            "questionnaires": queries.list_questionnaires(acting_user=request.user)[:PAGE_SIZE],
            "form": form,
            "can_create": form.fields["owner"].queryset.exists(),  # type: ignore[attr-defined]
        },
    )


def _specs_of(version: Any) -> list[QuestionSpec]:
    questions = queries.version_questions(version)
    position = {q.pk: q.position for q in questions}
    return [
        QuestionSpec(
            q.kind,
            q.text,
            list(q.choices),
            q.required,
            position.get(q.show_if_question_id) if q.show_if_question_id else None,
            q.show_if_choice,
        )
        for q in questions
    ]


@staff_required
def questionnaire_builder(request: HttpRequest, questionnaire_id: int) -> HttpResponse:
    """The builder: every change (add, edit, remove a question) saves the whole list through
    do_edit_questionnaire, which makes a new version when the current one has answers."""
    questionnaire = access_questionnaire(request.user, questionnaire_id)
    can_edit = rank_at(request.user, questionnaire.owner) >= RANK_MANAGE_MEETINGS
    version = queries.current_version(questionnaire)
    specs = _specs_of(version)
    form = QuestionForm()
    error_position = None
    if request.method == "POST":
        questionnaire = access_questionnaire(request.user, questionnaire_id, write=True)
        op = request.POST.get("op", "add")
        position = parse_id(request.POST.get("position"))
        new_specs = list(specs)
        form = QuestionForm(request.POST)
        valid = True
        if op == "remove" and position and position <= len(specs):
            del new_specs[position - 1]
            # Conditions on the removed question, or past it, are renumbered or dropped.
            for spec in new_specs:
                if spec.show_if_position == position:
                    spec.show_if_position, spec.show_if_choice = None, ""
                elif spec.show_if_position and spec.show_if_position > position:
                    spec.show_if_position -= 1
            form = QuestionForm()
        elif op == "edit" and position and position <= len(specs):
            valid = form.is_valid()
            if valid:
                new_specs[position - 1] = form.to_spec()
            error_position = position
        elif op == "add":
            valid = form.is_valid()
            if valid:
                new_specs.append(form.to_spec())
        else:
            raise NotFound()
        if valid:
            try:
                new_version = actions.do_edit_questionnaire(
                    acting_user=request.user, questionnaire=questionnaire, questions=new_specs
                )
            except DomainError as error:
                apply_error(form, error)
            else:
                if new_version.pk != version.pk:
                    messages.success(
                        request,
                        gettext(
                            "Version %(n)d was made: the answers already given stay with the questions of the "
                            "version they answered."
                        )
                        % {"n": new_version.number},
                    )
                return redirect("meetings:questionnaire", questionnaire_id=questionnaire.pk)
    questions = queries.version_questions(version)
    edit_forms = [
        (
            q,
            form
            if error_position == q.position
            else QuestionForm(
                initial={
                    "kind": spec.kind,
                    "text": spec.text,
                    "choices": "\n".join(spec.choices),
                    "required": spec.required,
                    "show_if_position": spec.show_if_position,
                    "show_if_choice": spec.show_if_choice,
                },
                prefix=f"q{q.position}",
            ),
        )
        for q, spec in zip(questions, specs, strict=True)
    ]
    return render(
        request,
        "meetings/questionnaire_builder.html",
        {
            "questionnaire": questionnaire,
            "version": version,
            "versions": questionnaire.versions.order_by("-number"),
            "response_count": version.responses.count(),
            "edit_forms": edit_forms,
            "add_form": form if error_position is None else QuestionForm(),
            "can_edit": can_edit,
        },
    )


def _chart_data(results: queries.Results) -> list[dict[str, Any]]:
    return [
        {
            "id": r.question.pk,
            "kind": r.question.kind,
            "labels": [c for c, _n in r.counts],
            "values": [n for _c, n in r.counts],
        }
        for r in results.questions
        if r.counts
    ]


@staff_required
def questionnaire_results(request: HttpRequest, questionnaire_id: int) -> HttpResponse:
    questionnaire = access_questionnaire(request.user, questionnaire_id)
    number = request.GET.get("version")
    version = (
        access_version(request.user, questionnaire, number)
        if number
        else queries.current_version(questionnaire)
    )
    results = queries.results_for(version, queries.responses_in_scope(request.user))
    return render(
        request,
        "meetings/results.html",
        {
            "questionnaire": questionnaire,
            "results": results,
            "chart_data": _chart_data(results),
            "versions": questionnaire.versions.order_by("-number"),
            "export_url": reverse("meetings:questionnaire_export", args=[questionnaire.pk])
            + f"?version={version.number}",
        },
    )


@staff_required
def meeting_results(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_id)
    if meeting.questionnaire is None:
        raise NotFound()
    questionnaire = meeting.questionnaire
    number = request.GET.get("version")
    version = (
        access_version(request.user, questionnaire, number)
        if number
        else queries.current_version(questionnaire)
    )
    results = queries.results_for(version, Response.objects.filter(meeting=meeting))
    return render(
        request,
        "meetings/results.html",
        {
            "questionnaire": questionnaire,
            "meeting": meeting,
            "results": results,
            "chart_data": _chart_data(results),
            "versions": questionnaire.versions.order_by("-number"),
            "export_url": reverse("meetings:questionnaire_export", args=[questionnaire.pk])
            + f"?version={version.number}&meeting={meeting.pk}",
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@staff_required
def questionnaire_export(request: HttpRequest, questionnaire_id: int) -> HttpResponse:
    """CSV (UTF-8 with BOM, so Excel opens the Chinese right) of the responses in the user's area to
    one version; ?meeting= narrows it to one meeting."""
    questionnaire = access_questionnaire(request.user, questionnaire_id)
    number = request.GET.get("version")
    version = (
        access_version(request.user, questionnaire, number)
        if number
        else queries.current_version(questionnaire)
    )
    responses = queries.responses_in_scope(request.user)
    meeting_id = request.GET.get("meeting")
    if meeting_id:
        responses = responses.filter(meeting=access_meeting(request.user, meeting_id))
    header, rows = queries.export_rows(version, responses)
    writer = csv.writer(_Echo())
    body = "\ufeff" + "".join(writer.writerow(row) for row in [header, *rows])
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="questionnaire-{questionnaire.pk}-v{version.number}.csv"'
    )
    return response
