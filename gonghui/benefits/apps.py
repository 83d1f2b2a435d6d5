from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    """Members' medical mutual aid (二次报销): plans as data, claims from the settlement feed, payouts to the service card."""

    name = "gonghui.benefits"
    label = "benefits"
    verbose_name = "二次报销"
