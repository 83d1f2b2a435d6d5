from django.apps import AppConfig


class EstablishmentConfig(AppConfig):
    """Setting up unions in enterprises of 100+ staff: the target list from enterprise registers, the case from first visit to a registered union, and resource matching."""

    name = "gonghui.establishment"
    label = "establishment"
    verbose_name = "建会"
