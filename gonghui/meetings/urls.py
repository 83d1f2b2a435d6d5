from django.urls import path

from gonghui.meetings import questionnaire_views, views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("calendar/", views.meeting_calendar, name="calendar"),
    path("overdue/", views.meeting_overdue, name="overdue"),
    path("funnel/", views.funnel_page, name="funnel"),
    path("new/", views.meeting_create, name="create"),
    path("questionnaires/", questionnaire_views.questionnaire_list, name="questionnaires"),
    path(
        "questionnaires/<int:questionnaire_id>/",
        questionnaire_views.questionnaire_builder,
        name="questionnaire",
    ),
    path(
        "questionnaires/<int:questionnaire_id>/results/",
        questionnaire_views.questionnaire_results,
        name="questionnaire_results",
    ),
    path(
        "questionnaires/<int:questionnaire_id>/export.csv",
        questionnaire_views.questionnaire_export,
        name="questionnaire_export",
    ),
    path("follow-ups/<int:follow_up_id>/done/", views.follow_up_done, name="follow_up_done"),
    path("intent-letters/<int:letter_id>/scan/", views.intent_letter_scan, name="intent_letter_scan"),
    path("<int:meeting_id>/", views.meeting_detail, name="detail"),
    path("<int:meeting_id>/edit/", views.meeting_edit, name="edit"),
    path("<int:meeting_id>/hold/", views.meeting_hold, name="hold"),
    path("<int:meeting_id>/cancel/", views.meeting_cancel, name="cancel"),
    path("<int:meeting_id>/close/", views.meeting_close, name="close"),
    path("<int:meeting_id>/check-in/", views.meeting_check_in, name="check_in"),
    path("<int:meeting_id>/host-link/", views.meeting_host_link, name="host_link"),
    path("<int:meeting_id>/regenerate-codes/", views.meeting_regenerate_codes, name="regenerate_codes"),
    path("<int:meeting_id>/join-link/", views.meeting_join_link, name="join_link"),
    path("<int:meeting_id>/intent-letter/", views.meeting_intent_letter, name="intent_letter"),
    path("<int:meeting_id>/attribute/", views.meeting_attribute, name="attribute"),
    path("<int:meeting_id>/poster/", views.meeting_poster, name="poster"),
    path("<int:meeting_id>/results/", questionnaire_views.meeting_results, name="results"),
    path("<int:meeting_id>/responses/new/", views.meeting_enter_response, name="enter_response"),
]
