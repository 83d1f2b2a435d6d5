from django.urls import path

from gonghui.benefits import views

app_name = "benefits"
urlpatterns = [
    path("", views.claim_list, name="claims"),
    path("claims/new/", views.claim_new, name="claim_new"),
    path("claims/<int:claim_id>/", views.claim_detail, name="claim"),
    path("receipts/<int:receipt_id>/", views.receipt_file, name="receipt"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan"),
    path("feeds/", views.feed_list, name="feeds"),
    path("feeds/template/", views.feed_template, name="feed_template"),
    path("feeds/<int:job_id>/", views.feed_detail, name="feed"),
    path("feeds/<int:job_id>/commit/", views.feed_commit, name="feed_commit"),
    path("feeds/<int:job_id>/report/", views.feed_report, name="feed_report"),
    path("claims/<int:claim_id>/review/", views.claim_review, name="claim_review"),
    path("payouts/", views.batch_list, name="batches"),
    path("payouts/<int:batch_id>/", views.batch_detail, name="batch"),
    path("reconciliation/", views.reconciliation_report, name="reconciliation"),
    path("self/", views.self_service, name="self_service"),
]
