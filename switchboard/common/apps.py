from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "switchboard.common"
    label = "common"
