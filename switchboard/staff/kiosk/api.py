"""Kiosk devices under `/api/orgs/{slug}/kiosks/` (owners): register (the token is in the
answer once), list, revoke; and a staff member's badge code."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.common.api import id_field
from switchboard.common.errors import NotFound
from switchboard.common.filters import parse_id
from switchboard.staff.attendance.roster import staff_of
from switchboard.staff.kiosk import services
from switchboard.staff.kiosk.models import KioskDevice


class KioskSerializer(serializers.ModelSerializer):
    class Meta:
        model = KioskDevice
        fields = [
            "id",
            "name",
            "is_active",
            "paired_at",
            "last_seen_at",
            "revoked_at",
            "created_at",
        ]


class KioskCreatedSerializer(KioskSerializer):
    token = serializers.CharField(help_text="shown once; only its hash is kept")
    registration_url = serializers.CharField(help_text="open it once on the device")

    class Meta(KioskSerializer.Meta):
        fields = [*KioskSerializer.Meta.fields, "token", "registration_url"]


class KioskCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)


class BadgeSerializer(serializers.Serializer):
    staff = id_field()
    badge_code = serializers.CharField(max_length=64, allow_blank=True, allow_null=True)


def registration_url(request, device, token) -> str:
    slug = device.organization.slug
    return request.build_absolute_uri(reverse("org-kiosk-pair", args=[slug, token]))


def created_answer(request, device, token) -> dict:
    device.token, device.registration_url = token, registration_url(request, device, token)
    return KioskCreatedSerializer(device).data


class KioskListView(OrgScopedMixin, APIView):
    """The organisation's kiosks; POST registers one and answers its token, once."""

    read_action = "kiosk.manage"
    permission_actions = {"POST": "kiosk.manage"}

    @extend_schema(responses=KioskSerializer(many=True))
    def get(self, request, org_slug):
        devices = KioskDevice.objects.filter(organization=self.organization)
        return Response(KioskSerializer(devices, many=True).data)

    @extend_schema(request=KioskCreateSerializer, responses={201: KioskCreatedSerializer})
    def post(self, request, org_slug):
        data = KioskCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        device, token = services.kiosk_register(
            organization=self.organization, acting_user=request.user, **data.validated_data
        )
        return Response(created_answer(request, device, token), status=201)


class KioskRevokeView(OrgScopedMixin, APIView):
    """Revoke a kiosk: its token is refused from now on."""

    permission_actions = {"POST": "kiosk.manage"}
    queryset = KioskDevice.objects.none()  # what `pk` names (for the isolation walk)

    @extend_schema(request=None, responses=KioskSerializer)
    def post(self, request, org_slug, pk):
        found = KioskDevice.objects.filter(organization=self.organization, pk=parse_id(pk) or 0)
        device = found.first()
        if device is None:
            raise NotFound("No such kiosk.")
        device = services.kiosk_revoke(device=device, acting_user=request.user)
        return Response(KioskSerializer(device).data)


class BadgeView(OrgScopedMixin, APIView):
    """Set (or clear) the badge code a staff member scans at a kiosk."""

    permission_actions = {"POST": "staff.update"}

    @extend_schema(request=BadgeSerializer, responses=BadgeSerializer)
    def post(self, request, org_slug):
        data = BadgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        staff = staff_of(self.organization, data.validated_data["staff"])
        if staff is None:
            raise NotFound("No such staff member.")
        staff = services.staff_set_badge(
            staff=staff, acting_user=request.user, badge_code=data.validated_data["badge_code"]
        )
        return Response({"staff": staff.pk, "badge_code": staff.badge_code})
