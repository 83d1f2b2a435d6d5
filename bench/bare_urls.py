"""gonghui's URLs plus POST /bench/bare: one plain ORM insert (an AuditEvent) and a small JSON answer,
with none of gonghui's logic — no signature, no envelope, no validation, no dedupe. The ceiling that
bench/enrol_load.py compares the signed uploads with."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from gonghui.core.models import AuditEvent
from gonghui.urls import handler400, handler403, handler404, handler500, urlpatterns

BARE_PATH = "bench/bare"
EVENT_TYPE = "bench_bare_insert"


@csrf_exempt
def bare_insert(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    event = AuditEvent.objects.create(
        created_at=timezone.now(), event_type=EVENT_TYPE, details={"bytes": len(request.body)}
    )
    return JsonResponse({"id": event.pk})


urlpatterns = [*urlpatterns, path(BARE_PATH, bare_insert)]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
