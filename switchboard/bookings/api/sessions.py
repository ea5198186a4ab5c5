"""Timed sessions and the resource board under `/api/orgs/{slug}/` (seed 004's endpoints).

Views translate HTTP and name their action (`accounts/permissions.py`, `# sessions`); the
services decide.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.bookings import services
from switchboard.bookings.filters import BoardFilter, SessionFilter
from switchboard.bookings.models import Booking
from switchboard.bookings.sessions_selectors import (
    remaining_seconds,
    resource_board,
    session_get,
    session_state,
    sessions_list,
    with_holders,
)
from switchboard.catalog.models import Resource
from switchboard.catalog.selectors import resource_get, service_get
from switchboard.common.api import Pagination, count_field, id_field, time_field
from switchboard.common.clock import now
from switchboard.common.filters import list_filters


class SessionSerializer(serializers.ModelSerializer):
    """A session with its state as of now: `state` is `completed` as soon as the end has
    passed, even before the expiry job has written `status`."""

    resource_id = serializers.IntegerField(allow_null=True)
    resource_name = serializers.CharField(source="resource.name", allow_null=True, default=None)
    service_id = serializers.IntegerField()
    state = serializers.SerializerMethodField()
    remaining_seconds = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = [
            "id",
            "resource_id",
            "resource_name",
            "service_id",
            "status",
            "state",
            "starts_at",
            "ends_at",
            "remaining_seconds",
            "customer_name",
        ]

    def _at(self):
        return self.context.get("at") or now()

    def get_state(self, booking) -> str:
        return session_state(booking, self._at())

    def get_remaining_seconds(self, booking) -> int:
        at = self._at()
        if session_state(booking, at) != "active":
            return 0
        left = (booking.ends_at - max(at, booking.starts_at)).total_seconds()
        return max(0, int(-(-left // 1)))


class BoardRowSerializer(serializers.Serializer):
    resource_id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.ChoiceField(choices=["available", "active", "maintenance"])
    active_booking = serializers.IntegerField(source="active_booking_id", allow_null=True)
    starts_at = serializers.DateTimeField(source="session_starts_at", allow_null=True)
    ends_at = serializers.DateTimeField(source="session_ends_at", allow_null=True)
    remaining_seconds = serializers.SerializerMethodField()
    # An end that has passed but the expiry job has not made official yet (rare, < 1 s).
    unofficial_end_at = serializers.DateTimeField(allow_null=True)
    active_workflow = serializers.CharField(
        allow_null=True, help_text="the holding booking's workflow (session, reservation…)"
    )
    held_by = serializers.SerializerMethodField(help_text="the holding booking's customer")
    held_with = serializers.SerializerMethodField(help_text="the holding booking's assignee")

    def get_remaining_seconds(self, resource) -> int | None:
        return remaining_seconds(resource, self.context["at"])

    def get_held_by(self, resource) -> str | None:
        holder = getattr(resource, "holder", None)
        return holder.customer_display if holder is not None else None

    def get_held_with(self, resource) -> str | None:
        holder = getattr(resource, "holder", None)
        return holder.assignee.full_name if holder is not None and holder.assignee else None


class SessionStartSerializer(serializers.Serializer):
    resource = id_field()
    minutes = count_field()
    service = id_field(required=False)
    starts_at = time_field(required=False)
    customer_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    customer_phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    allow_past = serializers.BooleanField(
        default=False, help_text="a start further back than the back-dating window"
    )


class MinutesSerializer(serializers.Serializer):
    minutes = count_field()


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


SYNC_RESPONSE = inline_serializer(
    "SessionSyncResponse",
    {
        "success": serializers.BooleanField(),
        "message": serializers.CharField(),
        "completed": serializers.IntegerField(),
        "resources_freed": serializers.IntegerField(),
        "batches": serializers.IntegerField(),
        "waited_ms": serializers.IntegerField(),
    },
)


class _SessionView(OrgScopedMixin, APIView):
    # For the isolation test and the schema: the `pk` of these routes is a booking's.
    queryset = Booking.objects.none()

    def answer(self, booking, code=status.HTTP_200_OK):
        fresh = session_get(self.organization, booking.pk)
        return Response(SessionSerializer(fresh, context={"at": now()}).data, status=code)


class SessionsView(_SessionView, generics.GenericAPIView):
    permission_actions = {"GET": "sessions.list", "POST": "sessions.start"}
    filterset_class = SessionFilter
    pagination_class = Pagination

    @extend_schema(responses=SessionSerializer(many=True), operation_id="sessions_list")
    def get(self, request, org_slug):
        """Sessions, newest first; `?open=true` for those not completed yet."""
        open_only = list_filters(self).get("open", False)
        rows = sessions_list(self.organization, open_only=open_only)
        page = self.paginate_queryset(rows)
        data = SessionSerializer(page, many=True, context={"at": now()}).data
        return self.get_paginated_response(data)

    @extend_schema(
        request=SessionStartSerializer,
        responses={201: SessionSerializer},
        operation_id="session_start",
    )
    def post(self, request, org_slug):
        """Start a session on a resource now (or at `starts_at`) for `minutes`; 409 if busy."""
        data = SessionStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        org = self.organization
        service = values.pop("service", None)
        booking = services.session_start(
            organization=org,
            resource=resource_get(org, values.pop("resource")),
            service=service_get(org, service) if service is not None else None,
            acting_user=request.user,
            **values,
        )
        return self.answer(booking, status.HTTP_201_CREATED)


class SessionExtendView(_SessionView):
    permission_actions = {"POST": "sessions.extend"}

    @extend_schema(
        request=MinutesSerializer, responses=SessionSerializer, operation_id="session_extend"
    )
    def post(self, request, org_slug, pk):
        """Push the end back by `minutes`; 409 if the session is over or the resource taken."""
        data = MinutesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.session_extend(
            booking=session_get(self.organization, pk),
            minutes=data.validated_data["minutes"],
            acting_user=request.user,
        )
        return self.answer(booking)


class SessionEndView(_SessionView):
    permission_actions = {"POST": "sessions.end"}

    @extend_schema(request=NoteSerializer, responses=SessionSerializer, operation_id="session_end")
    def post(self, request, org_slug, pk):
        """End a running session now: completed, and its resource free."""
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.session_end(
            booking=session_get(self.organization, pk),
            acting_user=request.user,
            note=data.validated_data["note"],
        )
        return self.answer(booking)


class SessionCancelView(_SessionView):
    permission_actions = {"POST": "sessions.cancel"}

    @extend_schema(
        request=NoteSerializer, responses=SessionSerializer, operation_id="session_cancel"
    )
    def post(self, request, org_slug, pk):
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.session_cancel(
            booking=session_get(self.organization, pk),
            acting_user=request.user,
            note=data.validated_data["note"],
        )
        return self.answer(booking)


class ResourceBoardSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    resources = BoardRowSerializer(many=True)


class ResourceBoardView(OrgScopedMixin, APIView):
    queryset = Resource.objects.none()
    permission_actions = {"GET": "sessions.resource_board"}
    filterset_class = BoardFilter

    @extend_schema(
        responses=ResourceBoardSerializer,
        parameters=[OpenApiParameter("kind", str, description="resource kind")],
        operation_id="resource_board",
    )
    def get(self, request, org_slug):
        """Every resource with its status derived now: `available`, `active` (with its
        session's end and the seconds left) or `maintenance`."""
        at = now()
        kind = list_filters(self).get("kind")
        rows = with_holders(resource_board(self.organization, at=at, kind=kind))
        return Response(
            {
                "at": at,
                "resources": BoardRowSerializer(rows, many=True, context={"at": at}).data,
            }
        )


class SyncSessionsView(OrgScopedMixin, APIView):
    """Seed 004's manual sync: complete every session of the organisation that has ended."""

    permission_actions = {"POST": "sessions.sync"}

    @extend_schema(request=None, responses=SYNC_RESPONSE, operation_id="sessions_sync")
    def post(self, request, org_slug):
        counts = services.sessions_sync(organization=self.organization, acting_user=request.user)
        return Response(sync_answer("Manual sync completed", counts))


class AutoCompleteSessionsView(OrgScopedMixin, APIView):
    permission_actions = {"POST": "sessions.sync"}

    @extend_schema(request=None, responses=SYNC_RESPONSE, operation_id="sessions_auto_complete")
    def post(self, request, org_slug):
        counts = services.sessions_sync(organization=self.organization, acting_user=request.user)
        message = (
            f"{counts['completed']} sessions auto-completed, "
            f"{counts['resources_freed']} systems freed"
        )
        return Response(sync_answer(message, counts))


def sync_answer(message: str, counts: dict) -> dict:
    shown = {key: value for key, value in counts.items() if key != "more"}
    return {"success": True, "message": message, **shown}
