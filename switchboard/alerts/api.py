"""Alerts under `/api/orgs/{slug}/alerts/` (owners): the installation's and the
organisation's own, newest open first; acknowledge one."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.alerts import selectors, services
from switchboard.alerts.models import Alert
from switchboard.common.filters import parse_id


class AlertSerializer(serializers.ModelSerializer):
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Alert
        # `detail` (a traceback, audit examples) is for the admin: it may name anyone.
        fields = [
            "id",
            "title",
            "count",
            "first_raised_at",
            "last_raised_at",
            "is_open",
            "acknowledged_at",
        ]


class AlertListView(OrgScopedMixin, APIView):
    read_action = "alerts.view"

    @extend_schema(responses=AlertSerializer(many=True))
    def get(self, request, org_slug):
        return Response(AlertSerializer(selectors.alerts_for(self.organization), many=True).data)


class AlertAcknowledgeView(OrgScopedMixin, APIView):
    permission_actions = {"POST": "alerts.acknowledge"}
    queryset = Alert.objects.none()

    @extend_schema(request=None, responses=AlertSerializer)
    def post(self, request, org_slug, pk):
        alert = services.alert_acknowledge(
            organization=self.organization, alert_id=parse_id(pk) or 0, acting_user=request.user
        )
        return Response(AlertSerializer(alert).data)
