"""The admin is one more client: every save and delete calls a service function."""

from django import forms
from django.contrib import admin
from django_scopes.forms import SafeModelChoiceField, SafeModelMultipleChoiceField

from switchboard.common.admin import ReadOnlyAdmin
from switchboard.staff import services
from switchboard.staff.models import Department, Skill, StaffMember


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "organization", "is_active"]
    list_filter = ["is_active", "organization"]
    search_fields = ["name", "slug", "organization__slug"]

    def get_readonly_fields(self, request, obj=None):
        return ["organization"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            changes = {f: form.cleaned_data[f] for f in form.changed_data}
            services.department_update(
                department=Department.objects.get(pk=obj.pk), acting_user=request.user, **changes
            )
            return
        created = services.department_create(
            organization=obj.organization, name=obj.name, slug=obj.slug, acting_user=request.user
        )
        obj.pk = created.pk

    def delete_model(self, request, obj):
        services.department_delete(department=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for department in queryset:
            services.department_delete(department=department, acting_user=request.user)


@admin.register(Skill)
class SkillAdmin(ReadOnlyAdmin):
    """Skills come into being when a staff profile names them; here they are only listed."""

    list_display = ["slug", "organization"]
    list_filter = ["organization"]
    search_fields = ["slug"]


class StaffMemberForm(forms.ModelForm):
    class Meta:
        model = StaffMember
        fields = ["organization", "user", "department", "skills", "capacity", "phone", "is_active"]
        # Built at import, outside any scope; the querysets are set per form below.
        field_classes = {"department": SafeModelChoiceField, "skills": SafeModelMultipleChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin runs with scopes disabled (AdminAcrossOrganizationsMiddleware).
        self.fields["department"].queryset = Department.objects.all()
        self.fields["skills"].queryset = Skill.objects.all()

    def clean(self):
        data = super().clean()
        org = data.get("organization") or getattr(self.instance, "organization", None)
        department = data.get("department")
        if org and department and department.organization_id != org.pk:
            self.add_error("department", "This department belongs to another organisation.")
        for skill in data.get("skills") or []:
            if org and skill.organization_id != org.pk:
                self.add_error("skills", f"'{skill}' belongs to another organisation.")
        user = data.get("user")
        if org and user and not user.memberships.filter(organization=org, is_active=True).exists():
            self.add_error("user", "This user is not an active member of the organisation.")
        return data


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    form = StaffMemberForm
    list_display = ["full_name", "organization", "department", "capacity", "is_active"]
    list_filter = ["is_active", "organization", "department", "skills"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    readonly_fields = ["kiosk_pin_hash"]

    def get_readonly_fields(self, request, obj=None):
        return ["organization", "user", "kiosk_pin_hash"] if obj else ["kiosk_pin_hash"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {
            "department": data.get("department"),
            "skills": [skill.slug for skill in data.get("skills", [])],
            "capacity": data.get("capacity"),
            "phone": data.get("phone", ""),
        }
        if not change:
            created = services.staff_create(
                organization=obj.organization, user=obj.user, acting_user=request.user, **fields
            )
            obj.pk = created.pk
            if not data.get("is_active", True):
                services.staff_deactivate(staff=created, acting_user=request.user)
            return
        staff = StaffMember.objects.get(pk=obj.pk)
        services.staff_update(staff=staff, acting_user=request.user, **fields)
        if "is_active" in form.changed_data:
            toggle = services.staff_reactivate if obj.is_active else services.staff_deactivate
            toggle(staff=staff, acting_user=request.user)

    def save_related(self, request, form, formsets, change):
        # Skills were set by the service in save_model; the form must not set them again.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.staff_delete(staff=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for staff in queryset:
            services.staff_delete(staff=staff, acting_user=request.user)


from switchboard.staff.attendance import admin as attendance_admin  # noqa: E402, F401
from switchboard.staff.kiosk import admin as kiosk_admin  # noqa: E402, F401
