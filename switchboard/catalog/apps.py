from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "switchboard.catalog"
    label = "catalog"
    verbose_name = "Services and resources"
