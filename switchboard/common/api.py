"""API plumbing shared by every app: pagination, error mapping, organisation scoping."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError
from rest_framework import pagination, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from switchboard.common.errors import DomainError

logger = logging.getLogger(__name__)


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
