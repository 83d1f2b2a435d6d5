from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Installed for its management commands (`gonghui demo`, `gonghui up`); it has no models."""

    name = "gonghui.demo"
    label = "demo"
    verbose_name = "演示数据"
