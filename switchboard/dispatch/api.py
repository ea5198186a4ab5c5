"""Dispatch under `/api/orgs/{slug}/dispatch/` (docs/dispatch.md). Views translate HTTP and
name their action (`accounts/permissions.py`, `# dispatch`); the services decide."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from switchboard.accounts import permissions
from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.bookings.models import Booking
from switchboard.common.api import Pagination, id_field, time_field
from switchboard.common.clock import now
from switchboard.common.errors import NotFound
from switchboard.dispatch import services
from switchboard.dispatch.models import PickupOffer, PickupRequest
from switchboard.dispatch.selectors import (
    OFFER_RELATED,
    driver_rows,
    drivers_seen_by,
    offer_dict,
    pending_pickups,
    pickup_detail,
    visible_staff,
)
from switchboard.staff.models import StaffMember
from switchboard.staff.selectors import staff_for_user


class LocationSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    accuracy = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1e6)
    heading = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=360)
    at = time_field(required=False)


class AssignSerializer(serializers.Serializer):
    driver = id_field()
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class BatchSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(default=True)


class DriversQuery(serializers.Serializer):
    pickup = id_field(required=False)


class _DispatchView(OrgScopedMixin, APIView):
    # For the isolation test and the schema: a `pk` of these routes is a booking's.
    queryset = Booking.objects.none()

    def sees_all(self) -> bool:
        role = permissions.OWNER if self.request.user.is_superuser else self.membership.role
        return permissions.may(role, "dispatch.view_all")

    def staff_id(self):
        return visible_staff(self.organization, self.request.user, everyone=self.sees_all())

    def booking(self, pk) -> Booking:
        found = Booking.objects.filter(organization=self.organization, pk=pk).first()
        if found is None:
            raise NotFound("No such booking.")
        return found


class LocationsView(_DispatchView):
    permission_actions = {"POST": "dispatch.position_own"}

    @extend_schema(
        request=LocationSerializer,
        responses={201: OpenApiTypes.OBJECT},
        operation_id="dispatch_location",
    )
    def post(self, request, org_slug):
        """Share the caller's own position (a driver on duty; a therapist asking for a pickup)."""
        data = LocationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        me = staff_for_user(self.organization, request.user)
        if me is None:
            raise NotFound("You have no staff profile in this organisation.")
        position = services.position_record(
            organization=self.organization,
            staff=me,
            acting_user=request.user,
            **data.validated_data,
        )
        body = {
            "staff_id": me.pk,
            **{name: getattr(position, name) for name in ("lat", "lng", "accuracy", "heading")},
            "at": position.at,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class DriversView(_DispatchView, generics.GenericAPIView):
    permission_actions = {"GET": "dispatch.view"}
    pagination_class = Pagination

    @extend_schema(
        parameters=[OpenApiParameter("pickup", int, description="booking id: ETA to its pickup")],
        responses=OpenApiTypes.OBJECT,
        operation_id="dispatch_drivers",
    )
    def get(self, request, org_slug):
        """Drivers with their derived status, position and its age, current task, pending
        offer and ETA (to `?pickup=` or to their current task)."""
        query = DriversQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        pickup = None
        if "pickup" in query.validated_data:
            pickup = PickupRequest.objects.filter(
                organization=self.organization, booking_id=query.validated_data["pickup"]
            ).first()
            if pickup is None:
                raise NotFound("No such pickup.")
        staff_id = self.staff_id()
        seen = None if staff_id is None else drivers_seen_by(self.organization, staff_id)
        rows = driver_rows(self.organization, pickup=pickup, at=now(), staff_ids=seen)
        return self.get_paginated_response(self.paginate_queryset(rows))


class PickupsView(_DispatchView, generics.GenericAPIView):
    permission_actions = {"GET": "dispatch.view"}
    pagination_class = Pagination

    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="dispatch_pickups")
    def get(self, request, org_slug):
        """Pending pickups, urgent first then longest waiting, with candidate drivers by ETA."""
        rows = pending_pickups(self.organization, at=now(), staff_id=self.staff_id())
        return self.get_paginated_response(self.paginate_queryset(rows))


class PickupView(_DispatchView):
    permission_actions = {"GET": "dispatch.view"}

    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="dispatch_pickup")
    def get(self, request, org_slug, pk):
        """One pickup in any status, with its driver's row (the therapist's view)."""
        return Response(pickup_detail(self.organization, pk, staff_id=self.staff_id()))


class AssignView(_DispatchView):
    permission_actions = {"POST": "dispatch.assign"}

    @extend_schema(
        request=AssignSerializer, responses=OpenApiTypes.OBJECT, operation_id="dispatch_assign"
    )
    def post(self, request, org_slug, pk):
        """Give the pickup to a driver; 409 when the driver is not available."""
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        driver = StaffMember.objects.filter(
            organization=self.organization, pk=data.validated_data["driver"]
        ).first()
        if driver is None:
            raise NotFound("No such driver.")
        booking, eta_value = services.pickup_assign(
            booking=self.booking(pk),
            driver=driver,
            acting_user=request.user,
            notes=data.validated_data.get("notes"),
        )
        at = now()
        return Response(
            {
                "booking_id": booking.pk,
                "status": booking.status,
                "driver_id": booking.driver_id,
                "eta_minutes": eta_value.minutes if eta_value else None,
                "estimated_arrival": at + eta_value.as_delta() if eta_value else None,
                "notes": booking.notes,
            }
        )


def _offer_body(offer):
    if offer is None:
        return None
    fresh = PickupOffer.objects.select_related(*OFFER_RELATED).get(pk=offer.pk)
    return offer_dict(fresh)


class AutoAssignView(_DispatchView):
    permission_actions = {"POST": "dispatch.auto_assign"}

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT, operation_id="dispatch_auto_assign")
    def post(self, request, org_slug, pk):
        """Offer the pickup to the nearest available driver; `offer` is null when nobody is."""
        offer, reason = services.pickup_auto_assign(
            booking=self.booking(pk), acting_user=request.user
        )
        return Response({"offer": _offer_body(offer), "reason": reason})


class _OfferView(_DispatchView):
    queryset = PickupOffer.objects.none()

    def offer(self, pk) -> PickupOffer:
        found = PickupOffer.objects.filter(organization=self.organization, pk=pk).first()
        if found is None:
            raise NotFound("No such offer.")
        return found


class AcceptView(_OfferView):
    permission_actions = {"POST": "dispatch.answer_offer"}

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT, operation_id="dispatch_accept")
    def post(self, request, org_slug, pk):
        """The driver takes the pickup; 409 when already answered or expired."""
        offer = services.offer_accept(offer=self.offer(pk), acting_user=request.user)
        return Response(_offer_body(offer))


class DeclineView(_OfferView):
    permission_actions = {"POST": "dispatch.answer_offer"}

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT, operation_id="dispatch_decline")
    def post(self, request, org_slug, pk):
        """The driver says no; the next nearest driver is offered the pickup."""
        offer, following = services.offer_decline(offer=self.offer(pk), acting_user=request.user)
        return Response({"offer": _offer_body(offer), "next_offer": _offer_body(following)})


class BatchAssignView(_DispatchView):
    permission_actions = {"POST": "dispatch.batch_assign"}

    @extend_schema(
        request=BatchSerializer, responses=OpenApiTypes.OBJECT, operation_id="dispatch_batch_assign"
    )
    def post(self, request, org_slug):
        """The plan minimising total ETA (urgent first) beside greedy's; applied unless
        `dry_run` (the default), each pair re-checked under its locks."""
        data = BatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.batch_assign(
            organization=self.organization,
            acting_user=request.user,
            dry_run=data.validated_data["dry_run"],
        )
        return Response(result)
