"""Query-parameter validation for every list, with django-filter.

Each list view names a FilterSet (`filterset_class`). The FilterSet validates and converts
the query parameters (400 with field errors for a bad one) and drf-spectacular documents
its fields; the view passes the cleaned values to its app's selector, which stays the one
place that knows how to filter. The backend therefore never narrows a queryset itself.
"""

import re

import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

MAX_ID = 2**63 - 1  # the largest value of a 64-bit primary key
_ASCII_ID = re.compile(r"[0-9]{1,19}")


def parse_id(value) -> int | None:
    """An id written in ASCII digits within 64-bit range, or None.

    `str.isdigit()` accepts "²" and Arabic-Indic digits; `int()` then fails or reads them.
    """
    text = str(value or "")
    if not _ASCII_ID.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


class IdField(forms.CharField):
    default_error_messages = {"invalid": "Give an id: digits 0-9, at most 2^63-1."}

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        number = parse_id(text)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.Filter):
    field_class = IdField


class IdOrNoneField(IdField):
    default_error_messages = {"invalid": "Give an id (digits 0-9), or 'none'."}

    def to_python(self, value):
        if value == "none":
            return "none"
        return super().to_python(value)


@extend_schema_field({"type": "string", "pattern": r"^(none|[0-9]{1,19})$"})
class IdOrNoneFilter(django_filters.Filter):
    """A staff id, or `none` for "nobody"."""

    field_class = IdOrNoneField


class StrictBooleanField(forms.NullBooleanField):
    """`true` or `false` (any case); anything else is an error, not a silent default."""

    widget = forms.TextInput  # the default select widget turns "maybe" into None

    def to_python(self, value):
        text = str(value).strip().lower() if value is not None else ""
        if text in ("", "none"):
            return None
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError("Use 'true' or 'false'.", code="invalid")

    def validate(self, value):
        pass


@extend_schema_field({"type": "boolean"})
class BooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


def text_filter(description: str = "", max_length: int = 200):
    return django_filters.CharFilter(max_length=max_length, help_text=description)


class ListFilterBackend(DjangoFilterBackend):
    """Documents the view's FilterSet; `list_filters()` validates, the selector filters."""

    def filter_queryset(self, request, queryset, view):
        return queryset


def list_filters(view) -> dict:
    """The view's query parameters validated by its FilterSet, without the absent ones.

    Raises DRF's ValidationError (400, `{"field": ["message"]}`) for a bad value.
    """
    filterset_class = view.filterset_class
    filterset = filterset_class(data=view.request.query_params, queryset=view.queryset)
    form = filterset.form
    if not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    return {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}
