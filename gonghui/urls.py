from django.urls import include, path

from gonghui.api import api

urlpatterns = [
    path("", include("gonghui.insights.urls")),
    path("accounts/", include("gonghui.accounts.urls")),
    path("orgs/", include("gonghui.orgs.urls")),
    path("enterprises/", include("gonghui.enterprises.urls")),
    path("members/", include("gonghui.members.urls")),
    path("collect/", include("gonghui.collect.urls")),
    path("join/", include("gonghui.members.join_urls")),
    path("meetings/", include("gonghui.meetings.urls")),
    path("m/", include("gonghui.meetings.public_urls")),
    path("", include("gonghui.cards.urls")),
    path("idcards/", include("gonghui.idcards.urls")),
    path("establishment/", include("gonghui.establishment.urls")),
    path("homes/", include("gonghui.homes.urls")),
    path("needs/", include("gonghui.needs.urls")),
    path("benefits/", include("gonghui.benefits.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]

handler400 = "gonghui.core.errorviews.bad_request"
handler403 = "gonghui.core.errorviews.forbidden"
handler404 = "gonghui.core.errorviews.not_found"
handler500 = "gonghui.core.errorviews.server_error"
