from django.apps import AppConfig


class HomesConfig(AppConfig):
    """Workers' Homes: facilities, versioned standards and levels that are checked and expire, and the building subsidies that fund them."""

    name = "gonghui.homes"
    label = "homes"
    verbose_name = "职工之家"
