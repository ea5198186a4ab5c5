"""Organisation webhooks under `/api/orgs/{slug}/webhooks/` (owners): endpoints (the secret
is in the answer that creates or rotates it, and never again), their deliveries, and
"send again"."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.common.errors import NotFound
from switchboard.common.filters import parse_id
from switchboard.realtime.events import declared_events
from switchboard.webhooks import selectors, services
from switchboard.webhooks.models import WebhookDelivery, WebhookEndpoint


class EndpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "is_active",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "created_at",
        ]


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(help_text="`whsec_…`; shown in this answer only")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class EndpointWriteSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500)
    description = serializers.CharField(max_length=200, allow_blank=True, required=False)
    events = serializers.ListField(
        child=serializers.CharField(max_length=100), min_length=1, max_length=100
    )
    is_active = serializers.BooleanField(required=False)


class DeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(source="msg_id")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "webhook_id",
            "endpoint",
            "event",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "last_status_code",
            "last_response",
            "delivered_at",
            "created_at",
        ]


class EventNamesSerializer(serializers.Serializer):
    events = serializers.ListField(child=serializers.CharField())


def _with_secret(endpoint, secret) -> dict:
    endpoint.secret = secret
    return EndpointWithSecretSerializer(endpoint).data


class EndpointListView(OrgScopedMixin, APIView):
    """The organisation's endpoints; POST registers one and answers its secret, once."""

    read_action = "webhooks.view"
    permission_actions = {"POST": "webhooks.manage"}

    @extend_schema(responses=EndpointSerializer(many=True))
    def get(self, request, org_slug):
        endpoints = selectors.endpoints_list(self.organization)
        return Response(EndpointSerializer(endpoints, many=True).data)

    @extend_schema(request=EndpointWriteSerializer, responses={201: EndpointWithSecretSerializer})
    def post(self, request, org_slug):
        data = EndpointWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k != "is_active"}
        endpoint, secret = services.webhook_endpoint_create(
            organization=self.organization, acting_user=request.user, **values
        )
        return Response(_with_secret(endpoint, secret), status=201)


class EndpointLookup:
    queryset = WebhookEndpoint.objects.none()  # what `pk` names (for the isolation walk)

    def endpoint(self, pk):
        found = selectors.endpoint_get(self.organization, parse_id(pk) or 0)
        if found is None:
            raise NotFound("No such endpoint.")
        return found


class EndpointDetailView(EndpointLookup, OrgScopedMixin, APIView):
    """One endpoint: read, change (url, events, description, on/off), delete."""

    read_action = "webhooks.view"
    permission_actions = {"PATCH": "webhooks.manage", "DELETE": "webhooks.manage"}

    @extend_schema(responses=EndpointSerializer)
    def get(self, request, org_slug, pk):
        return Response(EndpointSerializer(self.endpoint(pk)).data)

    @extend_schema(request=EndpointWriteSerializer(partial=True), responses=EndpointSerializer)
    def patch(self, request, org_slug, pk):
        endpoint = self.endpoint(pk)
        data = EndpointWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_update(
            endpoint=endpoint, acting_user=request.user, **data.validated_data
        )
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(responses={204: None})
    def delete(self, request, org_slug, pk):
        services.webhook_endpoint_delete(endpoint=self.endpoint(pk), acting_user=request.user)
        return Response(status=204)


class EndpointRotateView(EndpointLookup, OrgScopedMixin, APIView):
    """A new secret for the endpoint, answered once; the old one stops signing at once."""

    permission_actions = {"POST": "webhooks.manage"}

    @extend_schema(request=None, responses=EndpointWithSecretSerializer)
    def post(self, request, org_slug, pk):
        endpoint, secret = services.webhook_endpoint_rotate_secret(
            endpoint=self.endpoint(pk), acting_user=request.user
        )
        return Response(_with_secret(endpoint, secret))


class DeliveryListView(OrgScopedMixin, APIView):
    """The newest deliveries (50), of every endpoint."""

    read_action = "webhooks.view"

    @extend_schema(responses=DeliverySerializer(many=True))
    def get(self, request, org_slug):
        deliveries = selectors.deliveries_recent(self.organization)
        return Response(DeliverySerializer(deliveries, many=True).data)


class DeliveryResendView(OrgScopedMixin, APIView):
    """Send a delivery again, with the same `webhook-id`."""

    permission_actions = {"POST": "webhooks.manage"}
    queryset = WebhookDelivery.objects.none()

    @extend_schema(request=None, responses=DeliverySerializer)
    def post(self, request, org_slug, pk):
        delivery = selectors.delivery_get(self.organization, parse_id(pk) or 0)
        if delivery is None:
            raise NotFound("No such delivery.")
        delivery = services.webhook_delivery_resend(delivery=delivery, acting_user=request.user)
        return Response(DeliverySerializer(delivery).data)


class EventNamesView(OrgScopedMixin, APIView):
    """The event names an endpoint may ask for (docs/events.md)."""

    read_action = "webhooks.view"

    @extend_schema(responses=EventNamesSerializer)
    def get(self, request, org_slug):
        return Response({"events": sorted(declared_events())})
