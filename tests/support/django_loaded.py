"""Imported by the race tests' fork server (tests/support/processes.py): Django set up,
no database connection opened."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchboard.settings")
django.setup()
