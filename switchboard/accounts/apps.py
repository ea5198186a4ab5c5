from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "switchboard.accounts"
    label = "accounts"
    verbose_name = "Organisations and people"
