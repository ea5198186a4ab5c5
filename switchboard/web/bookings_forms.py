"""The front desk's forms. They check the shape of what was typed; the services decide the
rest, and their refusals are put back on the field they concern (`put_error`)."""

from datetime import datetime

from django import forms

from switchboard.accounts.selectors import memberships_list
from switchboard.bookings.selectors import employees_with_workload
from switchboard.bookings.workflows import workflow
from switchboard.catalog.selectors import resources_list, services_list
from switchboard.common.errors import Conflict, DomainError, InvalidInput

AUTO, NOBODY = "auto", "none"
# Where a service's refusal is shown: its field name in the service → the form's field.
FIELD_OF = {
    "starts_at": "time",
    "ends_at": "time",
    "customer": "customer",
    "customer_name": "customer_name",
    "service": "service",
    "resource": "resource",
    "assignee": "assignee",
    "driver": "driver",
    "parent": "service",
    "notes": "notes",
}


def local_start(org, day, time) -> datetime:
    """The organisation's wall-clock date and time as an aware datetime."""
    return datetime.combine(day, time, tzinfo=org.tzinfo)


def staff_choices(org, service=None, *, automatic=True):
    """Each person with their workload now, e.g. "Asha Das · 1 of 3 busy"."""
    staff = employees_with_workload(org).order_by("user__first_name", "user__last_name")
    choices = [(AUTO, "Automatic: the least busy qualified person")] if automatic else []
    choices.append((NOBODY, "Nobody yet"))
    for person in staff:
        label = f"{person.full_name} · {person.current_assignments} of {person.capacity} busy"
        choices.append((str(person.pk), label))
    return choices


def resource_choices(org):
    return [("", "No resource")] + [(str(r.pk), r.name) for r in resources_list(org)]


def put_error(form, exc: DomainError) -> None:
    """Show a service's refusal next to what it is about."""
    if isinstance(exc, InvalidInput):
        for field, messages in exc.fields.items():
            target = FIELD_OF.get(field)
            for message in messages:
                form.add_error(target if target in form.fields else None, message)
        return
    target = None
    if isinstance(exc, Conflict):
        if "staff_id" in exc.extra and "assignee" in form.fields:
            target = "assignee"
        elif ("booking_id" in exc.extra or "resource_id" in exc.extra) and "resource" in (
            form.fields
        ):
            target = "resource"
    form.add_error(target, exc.message)


class _OrgForm(forms.Form):
    def __init__(self, org, *args, **kwargs):
        self.org = org
        super().__init__(*args, **kwargs)


class BookingForm(_OrgForm):
    service = forms.TypedChoiceField(coerce=int)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    customer = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    customer_name = forms.CharField(max_length=200, required=False, label="Walk-in name")
    customer_phone = forms.CharField(max_length=40, required=False, label="Phone")
    resource = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    assignee = forms.ChoiceField(initial=AUTO)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, org, *args, **kwargs):
        super().__init__(org, *args, **kwargs)
        bookable = [s for s in services_list(org) if not workflow(s.workflow).is_addon]
        self.fields["service"].choices = [("", "Choose a service")] + [
            (s.pk, f"{s.name} · {s.duration_minutes} min") for s in bookable
        ]
        members = memberships_list(org).filter(is_active=True)
        self.fields["customer"].choices = [("", "A walk-in (no account)")] + [
            (m.user_id, _member_label(m)) for m in members
        ]
        self.fields["resource"].choices = resource_choices(org)
        self.fields["assignee"].choices = staff_choices(org)

    def clean(self):
        data = super().clean()
        if not data.get("customer") and not (data.get("customer_name") or "").strip():
            self.add_error("customer_name", "Give a customer: pick a member or write a name.")
        return data

    def starts_at(self):
        return local_start(self.org, self.cleaned_data["date"], self.cleaned_data["time"])


def _member_label(membership) -> str:
    user = membership.user
    name = user.get_full_name() or user.username
    return f"{name} ({user.username}, {membership.get_role_display().lower()})"


class RescheduleForm(_OrgForm):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    minutes = forms.IntegerField(min_value=1, max_value=60 * 24 * 60, label="Length (minutes)")
    resource = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, org, *args, **kwargs):
        super().__init__(org, *args, **kwargs)
        self.fields["resource"].choices = resource_choices(org)

    def starts_at(self):
        return local_start(self.org, self.cleaned_data["date"], self.cleaned_data["time"])


class AssignForm(_OrgForm):
    assignee = forms.ChoiceField(label="Assigned to")

    def __init__(self, org, *args, **kwargs):
        super().__init__(org, *args, **kwargs)
        self.fields["assignee"].choices = staff_choices(org)


class DriverForm(_OrgForm):
    driver = forms.ChoiceField()

    def __init__(self, org, *args, **kwargs):
        super().__init__(org, *args, **kwargs)
        self.fields["driver"].choices = staff_choices(org, automatic=False)


class NotesForm(_OrgForm):
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AddonForm(_OrgForm):
    service = forms.TypedChoiceField(coerce=int, label="Add-on")
    assignee = forms.ChoiceField(initial=AUTO)
    notes = forms.CharField(required=False, max_length=2000)

    def __init__(self, org, parent, *args, **kwargs):
        super().__init__(org, *args, **kwargs)
        addons = [
            s
            for s in services_list(org)
            if parent.workflow in workflow(s.workflow).parent_workflows
        ]
        self.fields["service"].choices = [(s.pk, s.name) for s in addons]
        self.fields["assignee"].choices = staff_choices(org)
