"""Bookings under `/api/orgs/{slug}/bookings/`. Views translate HTTP; services decide."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from switchboard.accounts.models import Membership
from switchboard.accounts.permissions import MANAGERS, STAFF
from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.bookings import services
from switchboard.bookings.api.serializers import (
    BookingCreateSerializer,
    BookingSerializer,
    BookingUpdateSerializer,
    CustomerBookingSerializer,
    TransitionCreateSerializer,
    TransitionSerializer,
)
from switchboard.bookings.filters import BookingFilter
from switchboard.bookings.models import Booking
from switchboard.bookings.selectors import (
    booking_read,
    bookings_list,
    bookings_visible,
    sees_internal_fields,
    transitions_of,
    unassigned_bookings,
)
from switchboard.catalog.selectors import resource_get, service_get
from switchboard.common.api import represent, validated
from switchboard.common.errors import NotFound
from switchboard.common.filters import list_filters
from switchboard.common.tenancy import read_in_request
from switchboard.slots.selectors import slot_get
from switchboard.staff.models import StaffMember


def staff_in(organization, pk) -> StaffMember | None:
    """A staff member of this organisation by id (None stays None), or 404."""
    if pk is None:
        return None
    staff = StaffMember.objects.for_org(organization).select_related("user").filter(pk=pk).first()
    if staff is None:
        raise NotFound("No such staff member.")
    return read_in_request(staff)


def _customer_in(organization, user_id):
    if user_id is None:
        return None
    membership = (
        Membership.objects.filter(organization=organization, user_id=user_id, is_active=True)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise NotFound("No such customer.")
    return membership.user


def _booking_id(value) -> int:
    """A booking id from the URL; anything else is no booking."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound("No such booking.") from None


def _parent_in(organization, pk):
    if pk is None:
        return None
    parent = Booking.objects.for_org(organization).filter(pk=pk).first()
    if parent is None:
        raise NotFound("No such booking.")
    return parent


def _slot_in(organization, pk):
    if pk is None:
        return None
    slot = slot_get(organization, pk)
    if slot is None:
        raise NotFound("No such slot.")
    return slot


# The related rows an answer shows (names), each either absent or already in hand.
ANSWER_RELATIONS = ("service", "resource", "customer", "assignee", "driver")


def _in_hand(booking: Booking) -> bool:
    """Whether the answer can be built from this instance without a query: every related
    row it names is loaded (a staff member with their user), none would be fetched lazily."""
    for name in ANSWER_RELATIONS:
        field = Booking._meta.get_field(name)
        if getattr(booking, field.attname) is None:
            continue
        if not field.is_cached(booking):
            return False
        if name in ("assignee", "driver") and not StaffMember.user.field.is_cached(
            getattr(booking, name)
        ):
            return False
    return True


def _names_a_slot(data) -> bool:
    return hasattr(data, "get") and data.get("slot") not in (None, "")


class BookingViewSet(
    OrgScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Bookings. Owners and operators see and change all; staff see and move their own
    assignments; customers see their own bookings and may cancel them where the workflow lets
    them."""

    serializer_class = BookingSerializer
    queryset = Booking.objects.none()
    filterset_class = BookingFilter
    permission_actions = {
        "list": "bookings.list",
        "retrieve": "bookings.retrieve",
        "partial_update": "bookings.update",
        # The audit trail (GET) and a move (POST) share the endpoint and its row.
        "transitions": "bookings.transitions",
        # Customers book a slot's seat for themselves; the service decides the rest.
        "create": "bookings.book_slot",
        "destroy": "bookings.delete",
        "auto_assign": "bookings.auto_assign",
        "unassigned": "bookings.unassigned",
    }

    def requested_action(self):
        # Only a seat of a slot is open to every member; any other booking is managers'.
        if self.action == "create" and not _names_a_slot(self.request.data):
            return "bookings.create"
        return super().requested_action()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Booking.objects.none()
        filters = list_filters(self) if self.action == "list" else {}
        return bookings_visible(self.organization, self.request.user, **filters)

    def get_object(self):
        if self.request.method != "GET" and self.role == STAFF:
            # A staff member's change to a booking that is not theirs is refused by the
            # service with its reason (403, "another driver has this pickup"), not a bare 404.
            return get_object_or_404(bookings_list(self.organization), pk=self.kwargs["pk"])
        if self.role in MANAGERS:
            # Managers see every booking: the prepared read of one, as the answer uses.
            booking = booking_read(self.organization, _booking_id(self.kwargs["pk"]))
            self.check_object_permissions(self.request, booking)
            return booking
        return super().get_object()

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False):
            return BookingSerializer
        if sees_internal_fields(self.organization, self.request.user):
            return BookingSerializer
        return CustomerBookingSerializer

    def _answer(self, booking, code=status.HTTP_200_OK):
        # The service's own instance where it holds every row the answer names (a new
        # booking does); otherwise the booking read again with them.
        if not _in_hand(booking):
            booking = booking_read(self.organization, booking.pk)
        return Response(represent(self.get_serializer_class(), booking), status=code)

    @extend_schema(request=BookingCreateSerializer, responses={201: BookingSerializer})
    def create(self, request, org_slug):
        values = validated(BookingCreateSerializer, request.data)
        org = self.organization
        resource = values.pop("resource", None)
        service, slot = values.pop("service", None), values.pop("slot", None)
        booking = services.booking_create(
            organization=org,
            service=service_get(org, service) if service is not None else None,
            slot=_slot_in(org, slot),
            resource=resource_get(org, resource) if resource is not None else None,
            assignee=staff_in(org, values.pop("assignee", None)),
            driver=staff_in(org, values.pop("driver", None)),
            parent=_parent_in(org, values.pop("parent", None)),
            customer=_customer_in(org, values.pop("customer", None)),
            acting_user=request.user,
            **values,
        )
        return self._answer(booking, status.HTTP_201_CREATED)

    @extend_schema(request=BookingUpdateSerializer, responses=BookingSerializer)
    def partial_update(self, request, org_slug, pk):
        booking = self.get_object()
        changes = validated(BookingUpdateSerializer, request.data, partial=True)
        override = changes.pop("override_capacity", False)
        note = changes.pop("note", "")
        for person in ("assignee", "driver"):
            if person in changes:
                changes[person] = staff_in(self.organization, changes[person])
        booking = services.booking_update(
            booking=booking,
            acting_user=request.user,
            override_capacity=override,
            note=note,
            **changes,
        )
        return self._answer(booking)

    @extend_schema(responses={204: None})
    def destroy(self, request, org_slug, pk):
        services.booking_delete(booking=self.get_object(), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"], responses=TransitionSerializer(many=True), operation_id="booking_history"
    )
    @extend_schema(
        methods=["POST"],
        request=TransitionCreateSerializer,
        responses=BookingSerializer,
        operation_id="booking_transition",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def transitions(self, request, org_slug, pk):
        """GET: the audit trail. POST: move the booking to `status` (409 if not allowed)."""
        booking = self.get_object()
        if request.method == "GET":
            rows = transitions_of(booking)
            return Response(TransitionSerializer(rows, many=True).data)
        changes = validated(TransitionCreateSerializer, request.data)
        booking = services.booking_transition(booking=booking, acting_user=request.user, **changes)
        return self._answer(booking)

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"], url_path="auto-assign")
    def auto_assign(self, request, org_slug, pk):
        """Assign the least-loaded qualified person under capacity; `assignee` stays null
        (and operators hear `booking-unassigned`) when there is none."""
        booking = services.booking_auto_assign(booking=self.get_object(), acting_user=request.user)
        return self._answer(booking)

    @extend_schema(responses=BookingSerializer(many=True))
    @action(detail=False, methods=["get"], filter_backends=[])
    def unassigned(self, request, org_slug):
        """Active bookings that nobody is assigned to."""
        page = self.paginate_queryset(unassigned_bookings(self.organization))
        return self.get_paginated_response(BookingSerializer(page, many=True).data)
