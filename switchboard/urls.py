from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from switchboard.accounts.api import (
    InvitationAcceptView,
    InvitationDeclineView,
    InvitationListView,
    MemberViewSet,
    OrganizationViewSet,
    TokenView,
)
from switchboard.bookings.api import BookingViewSet, EmployeeViewSet, StaffAssignmentsView
from switchboard.bookings.api.sessions import (
    AutoCompleteSessionsView,
    ResourceBoardView,
    SessionCancelView,
    SessionEndView,
    SessionExtendView,
    SessionsView,
    SyncSessionsView,
)
from switchboard.catalog.api import ResourceViewSet, ServiceViewSet
from switchboard.operations.metrics import metrics
from switchboard.realtime.views import ChannelAuthView, EventsView, UserAuthView
from switchboard.staff.api import DepartmentViewSet, StaffViewSet
from switchboard.staff.attendance.feed import shift_feed
from switchboard.web.health import health


class SwaggerView(SpectacularSwaggerView):
    # An HTML page: OPTIONS would render its metadata through the page's template (a 500).
    http_method_names = ["get", "head"]


org_router = SimpleRouter()
org_router.register("members", MemberViewSet, basename="member")
org_router.register("departments", DepartmentViewSet, basename="department")
org_router.register("staff", StaffViewSet, basename="staff")
org_router.register("services", ServiceViewSet, basename="service")
org_router.register("resources", ResourceViewSet, basename="resource")
org_router.register("bookings", BookingViewSet, basename="booking")
org_router.register("employees", EmployeeViewSet, basename="employee")

organizations = OrganizationViewSet.as_view({"get": "list", "post": "create"})
organization = OrganizationViewSet.as_view({"get": "retrieve", "patch": "partial_update"})

api_patterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("orgs/", organizations, name="organization-list"),
    path("invitations/", InvitationListView.as_view(), name="invitation-list"),
    path(
        "invitations/<str:token>/accept/", InvitationAcceptView.as_view(), name="invitation-accept"
    ),
    path(
        "invitations/<str:token>/decline/",
        InvitationDeclineView.as_view(),
        name="invitation-decline",
    ),
    path("orgs/<slug:org_slug>/", organization, name="organization-detail"),
    # Timed sessions (seed 004); before the router so `bookings/auto-complete-sessions`
    # is never read as a booking id.
    path("orgs/<slug:org_slug>/sessions/", SessionsView.as_view(), name="session-list"),
    path(
        "orgs/<slug:org_slug>/sessions/<int:pk>/extend/",
        SessionExtendView.as_view(),
        name="session-extend",
    ),
    path(
        "orgs/<slug:org_slug>/sessions/<int:pk>/end/", SessionEndView.as_view(), name="session-end"
    ),
    path(
        "orgs/<slug:org_slug>/sessions/<int:pk>/cancel/",
        SessionCancelView.as_view(),
        name="session-cancel",
    ),
    path(
        "orgs/<slug:org_slug>/resource-board/", ResourceBoardView.as_view(), name="resource-board"
    ),
    path("orgs/<slug:org_slug>/sync-sessions/", SyncSessionsView.as_view(), name="sync-sessions"),
    path(
        "orgs/<slug:org_slug>/bookings/auto-complete-sessions/",
        AutoCompleteSessionsView.as_view(),
        name="auto-complete-sessions",
    ),
    path("orgs/<slug:org_slug>/", include(org_router.urls)),
    path("orgs/<slug:org_slug>/", include("switchboard.staff.attendance.urls")),
    path("orgs/<slug:org_slug>/", include("switchboard.staff.kiosk.urls")),
    path("orgs/<slug:org_slug>/", include("switchboard.webhooks.urls")),
    path("orgs/<slug:org_slug>/", include("switchboard.alerts.urls")),
    path("orgs/<slug:org_slug>/", include("switchboard.dispatch.urls")),
    path("orgs/<slug:org_slug>/", include("switchboard.slots.urls")),
    path(
        "orgs/<slug:org_slug>/staff/<int:pk>/assignments/",
        StaffAssignmentsView.as_view(),
        name="staff-assignments",
    ),
    path("realtime/auth/", ChannelAuthView.as_view(), name="realtime-auth"),
    path("realtime/user-auth/", UserAuthView.as_view(), name="realtime-user-auth"),
    path("realtime/events/", EventsView.as_view(), name="realtime-events"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("health", health, name="health"),
    path("metrics", metrics, name="metrics"),
    path("feeds/shifts/<str:token>.ics", shift_feed, name="shift-feed"),
    path("", include("switchboard.web.urls")),
]

handler404 = "switchboard.common.api.not_found"
handler400 = "switchboard.web.errors.bad_request"
handler403 = "switchboard.web.errors.permission_denied"
handler500 = "switchboard.web.errors.server_error"
