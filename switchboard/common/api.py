"""API plumbing shared by every app: pagination, error mapping, the ranges every input
number and time must keep, service-backed writes."""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import pagination, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from switchboard.common import clock
from switchboard.common.errors import DomainError

logger = logging.getLogger(__name__)

MAX_ID = 2**63 - 1  # a 64-bit primary key
MAX_COUNT = 2**31 - 1  # a 32-bit integer column
# How far from now an input time may lie: far enough for any real booking, near enough
# that adding a duration to it can never overflow `datetime`.
TIME_REACH = timedelta(days=5 * 366)


def id_field(**kwargs) -> serializers.IntegerField:
    """An id in a request body: 1 to 2^63-1, so the database never sees an overflow."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def count_field(*, min_value=-MAX_COUNT, **kwargs) -> serializers.IntegerField:
    """A count (minutes, capacity...) that fits a 32-bit column. Negative values pass by
    default so that the service can give its own message."""
    return serializers.IntegerField(min_value=min_value, max_value=MAX_COUNT, **kwargs)


def within_reach(value):
    """An input time at most TIME_REACH from now (bookings and sessions alike)."""
    at = clock.now()
    if not at - TIME_REACH <= value <= at + TIME_REACH:
        raise serializers.ValidationError(
            f"Give a time within {TIME_REACH.days // 366} years of now."
        )


def time_field(**kwargs) -> serializers.DateTimeField:
    return serializers.DateTimeField(validators=[within_reach], **kwargs)


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        # A constraint caught what validation could not see (usually a concurrent write).
        logger.info("integrity_conflict error=%s", exc)
        return Response(
            {"detail": "The change conflicts with existing data."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, OperationalError) and "database is locked" in str(exc):
        # SQLite's busy timeout ran out behind another writer: the same "busy, try again"
        # that a PostgreSQL lock timeout gives.
        logger.warning("database_busy error=%s", exc)
        return Response(
            {"detail": "The database is busy; try again."}, status=status.HTTP_409_CONFLICT
        )
    return drf_exception_handler(exc, context)


class ServiceBackedWrites:
    """`create`, `partial_update` and `destroy` (a deactivation) of a simple entity.

    The view only translates: it validates with `write_serializer`, lets `prepare()` turn
    references into objects, calls the app's service functions and answers with
    `serializer_class`. Every rule stays in the services. Subclasses name the services
    (as staticmethods) and the keyword their update/deactivate services take the entity by.
    """

    write_serializer: type
    subject: str
    create_service: staticmethod
    update_service: staticmethod
    deactivate_service: staticmethod

    def prepare(self, values: dict) -> dict:
        return values

    def _write_values(self, *, partial: bool) -> dict:
        return self.prepare(validated(self.write_serializer, self.request.data, partial=partial))

    def create(self, request, org_slug):
        values = self._write_values(partial=False)
        values.pop("is_active", None)  # a new entity starts active
        created = self.create_service(
            organization=self.organization, acting_user=request.user, **values
        )
        return Response(self.serializer_class(created).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, org_slug, pk):
        changed = self.update_service(
            **{self.subject: self.get_object()},
            acting_user=request.user,
            **self._write_values(partial=True),
        )
        return Response(self.serializer_class(changed).data)

    def destroy(self, request, org_slug, pk):
        deactivated = self.deactivate_service(
            **{self.subject: self.get_object()}, acting_user=request.user
        )
        return Response(self.serializer_class(deactivated).data)


def service_backed_schema(write_serializer, read_serializer):
    """The OpenAPI description of a `ServiceBackedWrites` view's three writes."""
    return extend_schema_view(
        create=extend_schema(request=write_serializer, responses={201: read_serializer}),
        partial_update=extend_schema(request=write_serializer, responses=read_serializer),
        destroy=extend_schema(responses={200: read_serializer}),
    )


ERROR_COMPONENTS = {
    "Error": {
        "type": "object",
        "description": '`{"detail": "..."}`: what went wrong.',
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationErrors": {
        "type": "object",
        "description": 'Field errors, `{"field": ["message"]}` (`non_field_errors` for the '
        'whole body), or `{"detail": "..."}` for a body that is not valid JSON.',
        "additionalProperties": {},
    },
    "Conflict": {
        "type": "object",
        "description": "The request clashes with the current state. A refused transition "
        "names the current `status` and the `allowed` next ones.",
        "properties": {
            "detail": {"type": "string"},
            "status": {"type": "string"},
            "allowed": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["detail"],
    },
}
ERROR_ANSWERS = {
    "400": ("ValidationErrors", "Invalid input: field errors."),
    "401": ("Error", "Not authenticated."),
    "403": ("Error", "The caller's role may not do this."),
    "404": ("Error", "No such object, or an organisation the caller is not a member of."),
    "409": ("Conflict", "Conflicts with the current state (or the database is busy)."),
    "413": ("Error", "The request body is larger than API_MAX_BODY_BYTES."),
    "429": ("Error", "Too many failed login attempts."),
}
PUBLIC_OPERATIONS = {"/api/auth/token/", "/api/schema/"}


def _error_codes(path: str, method: str, operation: dict) -> list[str]:
    codes = []
    has_body = "requestBody" in operation
    has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    if has_body or has_query or path == "/api/auth/token/":
        codes.append("400")
    if path not in PUBLIC_OPERATIONS:
        codes += ["401", "403"]
    if "{" in path:
        codes.append("404")
    if method != "get":
        codes.append("409")
    if has_body:
        codes.append("413")
    if path == "/api/auth/token/":
        codes.append("429")
    return codes


def document_error_answers(result, generator, request, public):
    """drf-spectacular hook: the error answers every operation may give, from one set of
    components, so clients (and schemathesis) know each status and its body."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.update(ERROR_COMPONENTS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in _error_codes(path, method, operation):
                name, description = ERROR_ANSWERS[code]
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                        },
                    },
                )
    return result


def not_found(request, exception=None):
    """An unknown path: the API's JSON 404 under `/api/`, Django's page elsewhere (API
    clients parse every answer as JSON, a path that matches no route included)."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


_built: dict[type, serializers.BaseSerializer] = {}


def represent(serializer_class, instance) -> dict:
    """`serializer_class(instance).data` for a serializer that takes no context, with its
    fields built once per class. DRF builds and binds every field (nested serializers
    included) for each instance it serialises; for a one-row answer that was most of the
    cost. Reading with built fields changes nothing in them, so threads may share them."""
    serializer = _built.get(serializer_class)
    if serializer is None:
        serializer = serializer_class()
        serializer.fields  # noqa: B018 - built and bound here, once
        _built[serializer_class] = serializer
    return serializer.to_representation(instance)


_validators: dict[tuple[type, bool], serializers.BaseSerializer] = {}


def validated(serializer_class, data, *, partial: bool = False) -> dict:
    """`serializer_class(data=data, partial=partial)`'s validated data, or its 400, for an
    input serializer that takes no context, with its fields built once per class (as
    `represent` does for answers). Validating keeps no state in the fields, and the
    serializer's own state (`initial_data`, `_errors`) is never touched here, so threads
    may share it. Refused input goes through DRF's own `is_valid`, so every 400 is the
    one DRF gives."""
    template = _validators.get((serializer_class, partial))
    if template is None:
        template = serializer_class(partial=partial)
        template.fields  # noqa: B018 - built and bound here, once
        _validators[serializer_class, partial] = template
    try:
        return dict(template.run_validation(data))
    except ValidationError:
        serializer = serializer_class(data=data, partial=partial)
        serializer.is_valid(raise_exception=True)
        raise  # the same input passed DRF's own check: never reached, but never silent
