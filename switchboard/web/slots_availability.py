"""The availability page: a provider's weekly windows, their exceptions and the
organisation's holidays, edited in place.

Managers pick any provider (`?staff=`); a staff member sees and edits their own. Every
change goes through the slots services, which regenerate that provider's slots at once and
say what changed (created, removed, kept booked); the page shows that summary. A refused
change is shown next to the field that failed and changes nothing. The panel reloads when
`slots-maintained` arrives, so two managers editing the same person stay in step.
"""

from datetime import timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from switchboard.accounts.permissions import acting_role, may
from switchboard.common.clock import now
from switchboard.common.errors import DomainError, Forbidden, InvalidInput, NotFound
from switchboard.slots import availability as services
from switchboard.slots.models import AvailabilityException, ProviderAvailability
from switchboard.slots.selectors import availability_list, exceptions_list
from switchboard.staff.channels import member_channels
from switchboard.staff.selectors import staff_for_user, staff_list
from switchboard.web.views import org_page

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class WindowForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=list(enumerate(WEEKDAYS)), coerce=int)
    start_time = forms.TimeField()
    end_time = forms.TimeField()


class ExceptionForm(forms.Form):
    date = forms.DateField()
    is_off = forms.BooleanField(required=False)
    start_time = forms.TimeField(required=False)
    end_time = forms.TimeField(required=False)
    note = forms.CharField(required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if not data.get("is_off"):
            for field in ("start_time", "end_time"):
                if data.get(field) is None and field not in self.errors:
                    self.add_error(field, "Give the hours, or mark the day off.")
        return data


def is_manager(membership) -> bool:
    role = acting_role(membership.organization, membership.user)
    return may(role, "availability.edit")


def _person(request, membership, *, source):
    """Whose availability: managers choose (`staff`), anyone else is themself."""
    org = membership.organization
    if not is_manager(membership):
        me = staff_for_user(org, membership.user)
        if me is None:
            raise Http404("You have no staff profile here.")
        return me
    people = staff_list(org)
    wanted = source.get("staff", "")
    if wanted:
        person = people.filter(pk=wanted).first() if wanted.isdigit() and len(wanted) < 12 else None
        if person is None:
            raise Http404("No such staff member.")
        return person
    return people.order_by("user__first_name", "user__last_name", "pk").first()


def _window_row(row) -> dict:
    return {
        "id": row.pk,
        "weekday": row.weekday,
        "start": row.start_time.strftime("%H:%M"),
        "end": row.end_time.strftime("%H:%M"),
        "overnight": row.end_time <= row.start_time,
    }


def panel_context(membership, person, **extra) -> dict:
    org = membership.organization
    manager = is_manager(membership)
    today = now().astimezone(org.tzinfo).date()
    week = [{"weekday": n, "name": name, "windows": []} for n, name in enumerate(WEEKDAYS)]
    exceptions, holidays = [], []
    if person is not None:
        for row in availability_list(org, staff=person).order_by("weekday", "start_time"):
            week[row.weekday]["windows"].append(_window_row(row))
        upcoming = exceptions_list(org, staff=person, date_from=today).order_by("date")
        exceptions = [row for row in upcoming if row.staff_id == person.pk]
    every = exceptions_list(org, date_from=today, date_to=today + timedelta(days=366))
    holidays = [row for row in every.order_by("date") if row.staff_id is None]
    slug = {"org_slug": org.slug}
    context = {
        "org": org,
        "membership": membership,
        "role": membership.role,
        "person": person,
        "people": list(staff_list(org).order_by("user__first_name", "user__last_name", "pk"))
        if manager
        else [],
        "manager": manager,
        "week": week,
        "weekdays": list(enumerate(WEEKDAYS)),
        "exceptions": exceptions,
        "holidays": holidays,
        "changes": None,
        "errors": {},
        "values": {},
        "urls": {
            "page": reverse("org-availability", kwargs=slug),
            "panel": reverse("org-availability-panel", kwargs=slug),
            "change": reverse("org-availability-change", kwargs=slug),
        },
    }
    context |= extra
    for day in week:  # an edit form's errors and entries travel with its window
        for window in day["windows"]:
            key = f"edit_window-{window['id']}"
            window["errors"] = context["errors"].get(key) or context["errors"].get(
                f"remove_window-{window['id']}", {}
            )
            window["values"] = context["values"].get(key, {})
    return context


@org_page("availability.view")
def availability_page(request, membership):
    person = _person(request, membership, source=request.GET)
    context = panel_context(membership, person)
    context["realtime_channels"] = member_channels(membership)
    return render(request, "web/availability.html", context)


@org_page("availability.view")
def availability_panel(request, membership):
    person = _person(request, membership, source=request.GET)
    return render(request, "web/_availability_panel.html", panel_context(membership, person))


# Changes: each takes (organisation, person, acting user, POST) and returns SlotChanges.


def _valid(form_class, post):
    form = form_class(post)
    if not form.is_valid():
        raise InvalidInput({field: list(messages) for field, messages in form.errors.items()})
    return form.cleaned_data


def _own(model, post):
    pk = post.get("id", "")
    row = model.objects.filter(pk=pk).first() if pk.isdigit() and len(pk) < 12 else None
    if row is None:
        raise NotFound("It is not there any more.")
    return row


def add_window(org, person, user, post):
    data = _valid(WindowForm, post)
    _, changes = services.availability_create(
        organization=org, staff=person, acting_user=user, **data
    )
    return changes


def edit_window(org, person, user, post):
    data = _valid(WindowForm, post)
    row = _own(ProviderAvailability, post)
    _, changes = services.availability_update(availability=row, acting_user=user, **data)
    return changes


def remove_window(org, person, user, post):
    row = _own(ProviderAvailability, post)
    return services.availability_delete(availability=row, acting_user=user)


def add_exception(org, person, user, post, *, holiday=False):
    data = _valid(ExceptionForm, post)
    if data["is_off"]:
        data["start_time"] = data["end_time"] = None
    _, changes = services.exception_create(
        organization=org, staff=None if holiday else person, acting_user=user, **data
    )
    return changes


def add_holiday(org, person, user, post):
    return add_exception(org, person, user, post, holiday=True)


def remove_exception(org, person, user, post):
    row = _own(AvailabilityException, post)
    return services.exception_delete(exception=row, acting_user=user)


CHANGES = {
    "add_window": add_window,
    "edit_window": edit_window,
    "remove_window": remove_window,
    "add_exception": add_exception,
    "add_holiday": add_holiday,
    "remove_exception": remove_exception,
}


def _form_key(op: str, post) -> str:
    """Which form on the panel the errors belong to (an edit form is one per window)."""
    return f"{op}-{post.get('id')}" if op in ("edit_window", "remove_window") else op


@org_page("availability.edit_own", methods=("POST",))
def availability_change(request, membership):
    org = membership.organization
    person = _person(request, membership, source=request.POST)
    op = request.POST.get("op", "")
    change = CHANGES.get(op)
    if change is None or person is None:
        context = panel_context(membership, person, errors={"panel": {"op": "Unknown change."}})
        return render(request, "web/_availability_panel.html", context, status=400)
    try:
        changes = change(org, person, request.user, request.POST)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except InvalidInput as exc:
        errors = {field: " ".join(map(str, msgs)) for field, msgs in exc.fields.items()}
        context = panel_context(
            membership,
            person,
            errors={_form_key(op, request.POST): errors},
            values={_form_key(op, request.POST): request.POST.dict()},
        )
        return render(request, "web/_availability_panel.html", context, status=400)
    except DomainError as exc:
        errors = {_form_key(op, request.POST): {"non_field_errors": exc.message}}
        context = panel_context(membership, person, errors=errors)
        return render(request, "web/_availability_panel.html", context, status=exc.status_code)
    context = panel_context(membership, person, changes=_summary(changes))
    return render(request, "web/_availability_panel.html", context)


def _summary(changes) -> dict:
    data = changes.as_dict()
    return {
        "created": data.get("created", 0),
        "removed": data.get("removed", 0),
        "conflicts": data.get("conflicts", 0),
    }
