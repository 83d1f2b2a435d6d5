import logging
from typing import Any

from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class EstablishmentConfig(AppConfig):
    """Setting up unions in enterprises of 100+ staff: the target list from enterprise registers, the case from first visit to a registered union, and resource matching."""

    name = "gonghui.establishment"
    label = "establishment"
    verbose_name = "建会"

    def ready(self) -> None:
        from gonghui.core.event_labels import register_event_labels

        register_event_labels(
            {
                "establishment_opened": _("Establishment case opened"),
                "establishment_moved_by_records": _("Establishment case moved by a meeting or letter"),
                "establishment_stage_recorded": _("Establishment stage recorded"),
                "establishment_preparatory_group_formed": _("Preparatory group formed"),
                "establishment_applicant_added": _("Applicant added to an establishment case"),
                "establishment_approved": _("Superior union's approval recorded"),
                "establishment_assembly_recorded": _("Founding assembly recorded"),
                "establishment_registered": _("Union registration recorded"),
                "establishment_established": _("Union established"),
                "establishment_paused": _("Establishment case paused"),
                "establishment_dropped": _("Establishment case dropped"),
                "establishment_reopened": _("Establishment case reopened"),
                "enterprise_list_uploaded": _("Enterprise list uploaded"),
                "enterprise_import_requested": _("Enterprise list import started"),
                "enterprises_imported": _("Enterprises imported"),
            }
        )
        # The lower apps' actions (meetings, enterprises) must not import this app, so the case listens to
        # their rows being saved and, once their transaction has committed, runs its own durable action.
        # On commit and not inside their transaction: one action, one transaction, one audit event each,
        # and a failure here never undoes the meeting or the letter.
        post_save.connect(_meeting_saved, sender="meetings.Meeting", dispatch_uid="establishment_meeting")
        post_save.connect(
            _intent_letter_saved,
            sender="enterprises.IntentLetter",
            dispatch_uid="establishment_intent_letter",
        )


def _meeting_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.kind != "ENTERPRISE" or instance.status not in ("HELD", "CLOSED"):
        return
    meeting_id = instance.pk

    def sync() -> None:
        from gonghui.meetings.models import Meeting

        meeting = Meeting.objects.filter(pk=meeting_id).first()
        if meeting is None:
            return
        ids = set(meeting.target_enterprises.values_list("pk", flat=True))
        if meeting.enterprise_id:
            ids.add(meeting.enterprise_id)
        for enterprise_id in sorted(ids):
            _sync(enterprise_id)

    transaction.on_commit(sync)


def _intent_letter_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        enterprise_id = instance.enterprise_id
        transaction.on_commit(lambda: _sync(enterprise_id))


def _sync(enterprise_id: int) -> None:
    from gonghui.core.errors import DomainError
    from gonghui.establishment.actions import do_sync_case_from_records

    try:
        do_sync_case_from_records(acting_user=None, enterprise_id=enterprise_id)
    except DomainError:
        # The record is saved either way; the case catches up when it is next opened or refreshed.
        logger.exception("establishment case of enterprise %s not moved", enterprise_id)
