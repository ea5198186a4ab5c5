"""The admin is one more client: every save and delete calls a service function."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from switchboard.accounts import services
from switchboard.accounts.models import ApiToken, Membership, Organization, User


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


admin.site.register(User, UserAdmin)


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
