from django.apps import AppConfig


class IdcardsConfig(AppConfig):
    """Reading a resident ID card from a photo (OCR in memory, never stored), for the collector phone, the join page and the console."""

    name = "gonghui.idcards"
    label = "idcards"
    verbose_name = "身份证识读"

    def ready(self) -> None:
        from gonghui.core.event_labels import register_event_labels
        from gonghui.idcards.labels import EVENT_LABELS

        register_event_labels(EVENT_LABELS)
