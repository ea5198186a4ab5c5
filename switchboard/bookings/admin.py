"""The admin is one more client: deletes and actions call the same services as the API.

Bookings are made and changed through the API and the pages, where the workflow is checked
with clear errors; here they are read, deleted (seed 000's admin delete, now through the
service, so workload events go out) and moved in bulk by actions.
"""

from django.contrib import admin, messages

from switchboard.bookings import services
from switchboard.bookings.models import Booking, BookingTransition
from switchboard.common.admin import ReadOnlyAdmin
from switchboard.common.errors import DomainError


def _each(modeladmin, request, queryset, verb: str, call) -> None:
    done, refused = 0, []
    for booking in queryset:
        try:
            call(booking)
            done += 1
        except DomainError as exc:
            refused.append(f"#{booking.pk}: {exc.message}")
    if done:
        modeladmin.message_user(request, f"{verb}: {done} booking(s).", messages.SUCCESS)
    for line in refused:
        modeladmin.message_user(request, line, messages.WARNING)


@admin.action(description="Mark completed")
def mark_completed(modeladmin, request, queryset):
    _each(
        modeladmin,
        request,
        queryset,
        "Completed",
        lambda b: services.booking_transition(
            booking=b, status="completed", acting_user=request.user
        ),
    )


@admin.action(description="Cancel")
def cancel(modeladmin, request, queryset):
    _each(
        modeladmin,
        request,
        queryset,
        "Cancelled",
        lambda b: services.booking_transition(
            booking=b, status="cancelled", acting_user=request.user
        ),
    )


@admin.action(description="Assign automatically")
def auto_assign(modeladmin, request, queryset):
    _each(
        modeladmin,
        request,
        queryset,
        "Auto-assignment tried",
        lambda b: services.booking_auto_assign(booking=b, acting_user=request.user),
    )


@admin.action(description="Unassign")
def unassign(modeladmin, request, queryset):
    _each(
        modeladmin,
        request,
        queryset,
        "Unassigned",
        lambda b: services.booking_unassign(booking=b, acting_user=request.user),
    )


class TransitionInline(admin.TabularInline):
    model = BookingTransition
    fields = ["created_at", "action", "from_status", "to_status", "by", "by_name", "note", "data"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "service",
        "organization",
        "status",
        "starts_at",
        "assignee",
        "driver",
        "resource",
    ]
    list_filter = ["workflow", "status", "organization"]
    search_fields = [
        "customer_name",
        "customer__username",
        "service__name",
        "assignee__user__username",
        "assignee__user__first_name",
    ]
    date_hierarchy = "starts_at"
    list_select_related = ["service", "organization", "assignee__user", "driver__user", "resource"]
    actions = [mark_completed, cancel, auto_assign, unassign]
    inlines = [TransitionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.booking_delete(booking=obj, acting_user=request.user, note="deleted in the admin")

    def delete_queryset(self, request, queryset):
        for booking in queryset:
            # A parent deleted earlier in the loop took its add-ons with it.
            if Booking.objects.filter(pk=booking.pk).exists():
                services.booking_delete(
                    booking=booking, acting_user=request.user, note="deleted in the admin"
                )


@admin.register(BookingTransition)
class BookingTransitionAdmin(ReadOnlyAdmin):
    """Read-only: the audit trail is written by the services."""

    list_display = ["booking_ref", "action", "from_status", "to_status", "by", "created_at"]
    list_filter = ["action", "organization"]
    search_fields = ["booking_ref", "note", "by__username"]
    date_hierarchy = "created_at"
