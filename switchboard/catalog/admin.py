"""The admin is one more client: every save and delete calls a service function."""

from django import forms
from django.contrib import admin
from django_scopes.forms import SafeModelChoiceField, SafeModelMultipleChoiceField

from switchboard.catalog import services
from switchboard.catalog.models import Resource, Service
from switchboard.staff.models import Skill, StaffMember


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = [
            "organization",
            "name",
            "workflow",
            "duration_minutes",
            *services.SLOT_FIELDS,
            "price",
            "skill",
            "providers",
            "is_active",
        ]
        # Built at import, outside any scope; the querysets are set per form below.
        field_classes = {"skill": SafeModelChoiceField, "providers": SafeModelMultipleChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin runs with scopes disabled (AdminAcrossOrganizationsMiddleware).
        self.fields["skill"].queryset = Skill.objects.all()
        self.fields["providers"].queryset = StaffMember.objects.all()

    def clean(self):
        data = super().clean()
        org = data.get("organization") or getattr(self.instance, "organization", None)
        skill = data.get("skill")
        if org and skill and skill.organization_id != org.pk:
            self.add_error("skill", "This skill belongs to another organisation.")
        for staff in data.get("providers") or []:
            if org and staff.organization_id != org.pk:
                self.add_error("providers", f"'{staff}' works for another organisation.")
        return data


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = ServiceForm
    list_display = ["name", "organization", "workflow", "duration_minutes", "price", "is_active"]
    list_filter = ["workflow", "is_active", "organization"]
    search_fields = ["name", "organization__slug"]
    filter_horizontal = ["providers"]

    def get_readonly_fields(self, request, obj=None):
        return ["organization"] if obj else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        values = {
            "name": data["name"],
            "workflow": data["workflow"],
            "duration_minutes": data["duration_minutes"],
            **{field: data[field] for field in services.SLOT_FIELDS},
            "price": data["price"],
            "skill": data["skill"].slug if data.get("skill") else None,
            "providers": list(data.get("providers") or []),
        }
        if change:
            services.service_update(
                service=Service.objects.get(pk=obj.pk),
                acting_user=request.user,
                is_active=data.get("is_active", True),
                **values,
            )
            return
        created = services.service_create(
            organization=data["organization"], acting_user=request.user, **values
        )
        if not data.get("is_active", True):
            services.service_deactivate(service=created, acting_user=request.user)
        obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        # Providers were set by the service in save_model; the form must not set them again.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request, obj=None):
        # Bookings refer to services: deactivate instead, so that history stays whole.
        return False


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organization", "in_maintenance", "is_active"]
    list_filter = ["kind", "in_maintenance", "is_active", "organization"]
    search_fields = ["name", "kind", "organization__slug"]

    def get_readonly_fields(self, request, obj=None):
        return ["organization"] if obj else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changes = {f: data[f] for f in form.changed_data if f in services.RESOURCE_FIELDS}
            services.resource_update(
                resource=Resource.objects.get(pk=obj.pk), acting_user=request.user, **changes
            )
            return
        created = services.resource_create(
            organization=data["organization"],
            name=data["name"],
            kind=data["kind"],
            in_maintenance=data.get("in_maintenance", False),
            acting_user=request.user,
        )
        obj.pk = created.pk

    def delete_model(self, request, obj):
        services.resource_delete(resource=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for resource in queryset:
            services.resource_delete(resource=resource, acting_user=request.user)
