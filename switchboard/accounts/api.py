from axes.helpers import get_cool_off
from django.contrib.auth import authenticate
from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from switchboard.accounts import invitations, permissions, services
from switchboard.accounts.filters import MemberFilter
from switchboard.accounts.models import Membership, MembershipInvitation, Organization, Role
from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.accounts.selectors import membership_for, memberships_list, organizations_for_user
from switchboard.common.filters import list_filters


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.CharField(help_text="may be empty")


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "slug",
            "name",
            "timezone",
            "default_staff_capacity",
            "booking_backdate_minutes",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class OrganizationCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=60, required=False, allow_blank=True)
    timezone = serializers.CharField(max_length=64, default="UTC")


class OrganizationUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    timezone = serializers.CharField(max_length=64, required=False)
    default_staff_capacity = serializers.IntegerField(min_value=0, max_value=100, required=False)
    booking_backdate_minutes = serializers.IntegerField(
        min_value=0, max_value=7 * 24 * 60, required=False, help_text="0 to a week"
    )


class MembershipSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer()

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "is_active", "created_at"]


class MemberInviteSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{1,150}$")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSentSerializer(serializers.ModelSerializer):
    """What the inviter sees: what they typed and the invitation, the same whether or not an
    account with that username exists. The token is the one-time accept link's secret."""

    accept_url = serializers.SerializerMethodField()
    # A plain string in the schema: "pending" here, and no enum named after bookings' status.
    status = serializers.CharField(read_only=True)

    class Meta:
        model = MembershipInvitation
        fields = ["id", "username", "role", "status", "token", "accept_url", "expires_at"]

    def get_accept_url(self, invitation) -> str:
        return reverse("invitation-accept", kwargs={"token": invitation.token})


class InvitationSerializer(serializers.ModelSerializer):
    """What the invitee sees of an invitation addressed to them."""

    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    organization_name = serializers.CharField(source="organization.name")

    class Meta:
        model = MembershipInvitation
        fields = ["id", "organization", "organization_name", "role", "token", "expires_at"]


class InvitationAcceptSerializer(serializers.Serializer):
    password = serializers.CharField(required=False, write_only=True, default="", max_length=4096)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class AcceptedSerializer(serializers.Serializer):
    organization = serializers.CharField(source="organization.slug")
    role = serializers.CharField()


class MemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class TokenRequestSerializer(serializers.Serializer):
    # Bounded before `authenticate`: the lock-out records the username it was given, in a
    # column of 255 characters that PostgreSQL enforces.
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})
    name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")


class TokenView(APIView):
    """Exchange a username and password for an API token (shown once)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={201: inline_serializer("Token", {"token": serializers.CharField()})},
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            return _locked_out(request)
        if user is None:
            return Response(
                {"detail": "Unable to log in with the given credentials."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        _, key = services.api_token_issue(user=user, name=data.validated_data["name"])
        return Response({"token": key}, status=status.HTTP_201_CREATED)


def _locked_out(request) -> Response:
    """429 with how long the lock lasts: AXES_COOLOFF_TIME from the last failed attempt."""
    seconds = int(get_cool_off(request).total_seconds())
    minutes = max(1, -(-seconds // 60))
    return Response(
        {
            "detail": f"Too many failed login attempts; try again in {minutes} minutes.",
            "retry_after_seconds": seconds,
        },
        status=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(seconds)},
    )


class OrganizationViewSet(viewsets.ViewSet):
    """Organisations the caller belongs to. Creating one makes the caller its owner."""

    lookup_url_kwarg = "org_slug"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if "org_slug" in kwargs:
            self.membership = membership_for(request.user, kwargs["org_slug"])

    @extend_schema(responses=OrganizationSerializer(many=True))
    def list(self, request):
        orgs = organizations_for_user(request.user).order_by("name")
        return Response(OrganizationSerializer(orgs, many=True).data)

    @extend_schema(request=OrganizationCreateSerializer, responses={201: OrganizationSerializer})
    def create(self, request):
        data = OrganizationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org = services.organization_create(
            **data.validated_data, owner=request.user, acting_user=request.user
        )
        return Response(OrganizationSerializer(org).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=OrganizationSerializer)
    def retrieve(self, request, org_slug):
        org = self.membership.organization
        permissions.require(org, request.user, "organization.view")
        return Response(OrganizationSerializer(org).data)

    @extend_schema(request=OrganizationUpdateSerializer, responses=OrganizationSerializer)
    def partial_update(self, request, org_slug):
        data = OrganizationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org = services.organization_update(
            organization=self.membership.organization,
            acting_user=request.user,
            **data.validated_data,
        )
        return Response(OrganizationSerializer(org).data)


class MemberViewSet(
    OrgScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """People in the organisation and their roles; joining is by invitation."""

    serializer_class = MembershipSerializer
    queryset = Membership.objects.none()
    read_action = "member.view"
    filterset_class = MemberFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        if self.action != "list":
            return memberships_list(self.organization)
        filters = list_filters(self)
        return memberships_list(
            self.organization, role=filters.get("role"), search=filters.get("search", "")
        )

    @extend_schema(request=MemberInviteSerializer, responses={202: InvitationSentSerializer})
    def create(self, request, org_slug):
        data = MemberInviteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = invitations.member_invite(
            organization=self.organization, acting_user=request.user, **data.validated_data
        )
        return Response(InvitationSentSerializer(invitation).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=MemberRoleSerializer, responses=MembershipSerializer)
    def partial_update(self, request, org_slug, pk):
        data = MemberRoleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_change_role(
            membership=self.get_object(), role=data.validated_data["role"], acting_user=request.user
        )
        return Response(MembershipSerializer(membership).data)

    @extend_schema(responses={200: MembershipSerializer})
    def destroy(self, request, org_slug, pk):
        membership = services.membership_deactivate(
            membership=self.get_object(), acting_user=request.user
        )
        return Response(MembershipSerializer(membership).data)


class InvitationListView(APIView):
    """The signed-in person's pending invitations."""

    @extend_schema(responses=InvitationSerializer(many=True))
    def get(self, request):
        pending = invitations.invitations_for_user(request.user)
        return Response(InvitationSerializer(pending, many=True).data)


def _user_or_none(request):
    return request.user if request.user.is_authenticated else None


class InvitationAcceptView(APIView):
    """Accept an invitation: signed in as the invitee, or, for a username that has no
    account yet, unauthenticated with the password of the account this creates."""

    permission_classes = [AllowAny]

    @extend_schema(request=InvitationAcceptSerializer, responses={200: AcceptedSerializer})
    def post(self, request, token):
        data = InvitationAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = invitations.invitation_accept(
            token=token, user=_user_or_none(request), **data.validated_data
        )
        return Response(AcceptedSerializer(membership).data)


class InvitationDeclineView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, token):
        invitations.invitation_decline(token=token, user=_user_or_none(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
