import pytest

from gonghui.core.errors import Forbidden, InvalidInput
from gonghui.meetings import actions, queries
from gonghui.meetings.actions import QuestionSpec
from gonghui.meetings.models import Answer, QuestionKind, Questionnaire, Response, ResponseChannel
from gonghui.meetings.tests.conftest import plan_worker_meeting, worker_survey


def _answer_all(version, meeting):
    questions = {q.position: q for q in queries.version_questions(version)}
    return actions.do_submit_response(
        version=version,
        meeting=meeting,
        channel=ResponseChannel.SELF_SERVICE,
        answers={
            questions[1].pk: "否",
            questions[2].pk: "愿意，今天就办理",
            questions[3].pk: ["医疗互助与二次报销", "技能培训"],
            questions[6].pk: "5",
        },
    )


def test_it_edits_in_place_while_nobody_has_answered(personas):
    questionnaire = worker_survey(personas)
    version = queries.current_version(questionnaire)
    specs = [QuestionSpec(QuestionKind.RATING, "满意度", required=True)]
    edited = actions.do_edit_questionnaire(
        acting_user=personas.tongzhou_officer, questionnaire=questionnaire, questions=specs
    )
    assert edited.pk == version.pk and edited.number == 1
    assert [q.text for q in queries.version_questions(edited)] == ["满意度"]


def test_editing_after_answers_makes_a_new_version_and_old_answers_keep_their_question(personas):
    questionnaire = worker_survey(personas)
    meeting = plan_worker_meeting(personas, questionnaire=questionnaire)
    v1 = queries.current_version(questionnaire)
    response = _answer_all(v1, meeting)
    old_q3 = queries.version_questions(v1)[2]

    # The officer rewords question 3 and changes its choices.
    specs = [
        QuestionSpec(q.kind, q.text, list(q.choices), q.required, None, "")
        for q in queries.version_questions(v1)
    ]
    specs[1].show_if_position, specs[1].show_if_choice = 1, "否"
    specs[2] = QuestionSpec(
        QuestionKind.MULTIPLE, "您最希望工会帮您解决什么？", ["看病报销", "讨薪维权"], required=True
    )
    v2 = actions.do_edit_questionnaire(
        acting_user=personas.tongzhou_officer, questionnaire=questionnaire, questions=specs
    )

    assert v2.number == 2 and v2.pk != v1.pk
    assert queries.current_version(questionnaire) == v2
    # The old response still points at version 1 and at the question as it was asked.
    response.refresh_from_db()
    assert response.version == v1
    answer = Answer.objects.get(response=response, question__position=3)
    assert answer.question == old_q3
    assert answer.question.text == "您最需要工会提供哪些服务？（可多选）"
    assert answer.choices == ["医疗互助与二次报销", "技能培训"]
    assert queries.version_questions(v1)[2].text == "您最需要工会提供哪些服务？（可多选）"
    # Results per version: version 1 still counts its answer, version 2 has none yet.
    old = queries.results_for(v1, Response.objects.all())
    assert old.responses == 1 and dict(old.questions[2].counts)["技能培训"] == 1
    assert queries.results_for(v2, Response.objects.all()).responses == 0
    # An answer with version 1's question ids cannot be filed against version 2.
    with pytest.raises(actions.AnswerInvalid):
        actions.do_submit_response(
            version=v2,
            meeting=meeting,
            channel=ResponseChannel.SELF_SERVICE,
            answers={old_q3.pk: ["技能培训"]},
        )
    # Editing again while version 2 is unanswered changes version 2 in place.
    again = actions.do_edit_questionnaire(
        acting_user=personas.tongzhou_officer, questionnaire=questionnaire, questions=specs
    )
    assert again.pk == v2.pk and questionnaire.versions.count() == 2


def test_show_if_drops_answers_to_hidden_questions_and_skips_their_required(personas):
    questionnaire = worker_survey(personas)
    meeting = plan_worker_meeting(personas, questionnaire=questionnaire)
    version = queries.current_version(questionnaire)
    q = {x.position: x for x in queries.version_questions(version)}
    response = actions.do_submit_response(
        version=version,
        meeting=meeting,
        channel=ResponseChannel.SELF_SERVICE,
        # Already a member: question 2 (shown only for "否") is hidden, its answer ignored.
        answers={q[1].pk: "是", q[2].pk: "暂不考虑", q[3].pk: ["文体活动"], q[6].pk: "4"},
    )
    assert set(response.answers.values_list("question__position", flat=True)) == {1, 3, 6}


@pytest.mark.parametrize(
    ("position", "value", "error"),
    [
        (1, "也许", actions.AnswerInvalid),
        (3, ["文体活动", "不存在的选项"], actions.AnswerInvalid),
        (6, "6", actions.AnswerInvalid),
        (6, "", actions.AnswerRequired),
        (7, "长" * 2001, InvalidInput),
    ],
)
def test_it_refuses_answers_that_are_not_allowed(personas, position, value, error):
    questionnaire = worker_survey(personas)
    meeting = plan_worker_meeting(personas, questionnaire=questionnaire)
    version = queries.current_version(questionnaire)
    q = {x.position: x for x in queries.version_questions(version)}
    answers = {q[1].pk: "是", q[3].pk: ["文体活动"], q[6].pk: "3"}
    answers[q[position].pk] = value
    with pytest.raises(error) as caught:
        actions.do_submit_response(
            version=version, meeting=meeting, channel=ResponseChannel.SELF_SERVICE, answers=answers
        )
    assert caught.value.field == f"q{q[position].pk}"
    assert not Response.objects.exists()


def test_it_validates_questions(personas):
    owner = personas.unit("BJ-TZ")
    bad = [
        [],
        [QuestionSpec(QuestionKind.SINGLE, "只有一个选项", ["是"])],
        [QuestionSpec(QuestionKind.SINGLE, "重复", ["是", "是"])],
        [QuestionSpec("BOGUS", "类型")],
        [QuestionSpec(QuestionKind.TEXT, "  ")],
        [QuestionSpec(QuestionKind.TEXT, "依赖自身", show_if_position=1, show_if_choice="是")],
        [
            QuestionSpec(QuestionKind.SINGLE, "是否", ["是", "否"]),
            QuestionSpec(QuestionKind.TEXT, "条件不是选项", show_if_position=1, show_if_choice="也许"),
        ],
    ]
    for questions in bad:
        with pytest.raises(actions.QuestionnaireInvalid):
            actions.do_create_questionnaire(
                acting_user=personas.tongzhou_officer, owner=owner, title="问卷", questions=questions
            )
    assert not Questionnaire.objects.exists()


def test_a_street_uses_its_districts_questionnaire_but_cannot_edit_it(personas):
    questionnaire = worker_survey(personas, "BJ-TZ")
    assert questionnaire in queries.questionnaires_in_scope(personas.luyuan_officer)
    assert questionnaire not in queries.questionnaires_in_scope(personas.haidian_officer)
    with pytest.raises(Forbidden):
        actions.do_edit_questionnaire(
            acting_user=personas.luyuan_officer,
            questionnaire=questionnaire,
            questions=[QuestionSpec(QuestionKind.TEXT, "改")],
        )


def test_the_shipped_templates_are_valid_and_the_ten_questions_are_ten(personas):
    from gonghui.meetings.catalogue import TEMPLATES

    for _key, (title, _description, _kind, specs) in TEMPLATES.items():
        actions.clean_questions(list(specs))
        assert title
    assert len(TEMPLATES["establishment_ten"][3]) == 10


def test_the_definition_for_the_collector_app_names_ids_and_conditions(personas):
    questionnaire = worker_survey(personas)
    version = queries.current_version(questionnaire)
    definition = queries.questionnaire_definition(version)
    assert definition["version_id"] == version.pk and len(definition["questions"]) == 7
    second = definition["questions"][1]
    assert second["show_if"] == {"question_id": definition["questions"][0]["id"], "choice": "否"}
