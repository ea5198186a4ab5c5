"""The admin is one more client: every save and delete calls a service function."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from switchboard.accounts import services
from switchboard.accounts.models import (
    ApiToken,
    Membership,
    MembershipInvitation,
    Organization,
    User,
)
from switchboard.common.errors import DomainError


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "default_staff_capacity", "is_active"]
    list_filter = ["is_active", "timezone"]
    search_fields = ["name", "slug"]

    def get_readonly_fields(self, request, obj=None):
        return ["slug", "created_at"] if obj else ["created_at"]

    def save_model(self, request, obj, form, change):
        if change:
            changes = {
                f: form.cleaned_data[f] for f in form.changed_data if f in services.ORG_FIELDS
            }
            services.organization_update(
                organization=Organization.objects.get(pk=obj.pk),
                acting_user=request.user,
                **changes,
            )
            return
        created = services.organization_create(
            name=obj.name,
            slug=obj.slug,
            timezone=obj.timezone,
            owner=request.user,
            acting_user=request.user,
        )
        obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        # Organisations are deactivated, never deleted: their history must stay.
        return False


@admin.register(User)
class AccountAdmin(UserAdmin):
    """Deleting a user deactivates them (`user_deactivate`): their bookings, assignments and
    audit rows keep who they were, and no organisation loses its last owner."""

    def delete_view(self, request, object_id, extra_context=None):
        if request.method != "POST":
            return super().delete_view(request, object_id, extra_context)
        user = self.get_object(request, object_id)
        if user is None or not self.has_delete_permission(request, user):
            raise PermissionDenied
        if self._deactivate(request, user):
            self.message_user(request, f"{user.username} was deactivated; accounts are kept.")
            return redirect(reverse("admin:accounts_user_changelist"))
        return redirect(reverse("admin:accounts_user_change", args=[user.pk]))

    def _deactivate(self, request, user) -> bool:
        try:
            services.user_deactivate(user=user, acting_user=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return False
        return True

    def delete_model(self, request, obj):
        services.user_deactivate(user=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            self._deactivate(request, user)


@admin.register(MembershipInvitation)
class MembershipInvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are made and answered through the API."""

    list_display = ["username", "organization", "role", "status", "created_at", "expires_at"]
    list_filter = ["status", "role", "organization"]
    search_fields = ["username", "organization__slug"]
    exclude = ["token"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active", "organization"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "organization__slug"]
    autocomplete_fields = ["user", "organization"]

    def get_readonly_fields(self, request, obj=None):
        return ["organization", "user"] if obj else []

    def save_model(self, request, obj, form, change):
        if not change:
            created = services.membership_create(
                organization=obj.organization,
                user=obj.user,
                role=obj.role,
                acting_user=request.user,
            )
            obj.pk = created.pk
            return
        current = Membership.objects.get(pk=obj.pk)
        if "role" in form.changed_data:
            current = services.membership_change_role(
                membership=current, role=obj.role, acting_user=request.user
            )
        if "is_active" in form.changed_data and not obj.is_active:
            services.membership_deactivate(membership=current, acting_user=request.user)
        elif "is_active" in form.changed_data:
            services.membership_create(
                organization=current.organization,
                user=current.user,
                role=current.role,
                acting_user=request.user,
            )

    def delete_model(self, request, obj):
        services.membership_delete(membership=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            services.membership_delete(membership=membership, acting_user=request.user)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at"]
    list_filter = ["created_at"]
    search_fields = ["user__username", "name", "prefix"]
    fields = ["user", "name"]
    autocomplete_fields = ["user"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        token, key = services.api_token_issue(user=obj.user, name=obj.name)
        obj.pk = token.pk
        messages.warning(request, f"The token is {key} — copy it now; it is not shown again.")

    def delete_model(self, request, obj):
        services.api_token_revoke(token=obj)

    def delete_queryset(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(token=token)
