"""The owner's pages: webhook endpoints and their deliveries (with "send again"), and the
alerts. Views only translate forms; the services decide."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from switchboard.alerts import selectors as alert_selectors
from switchboard.alerts import services as alert_services
from switchboard.common.errors import DomainError, InvalidInput, NotFound
from switchboard.common.filters import parse_id
from switchboard.realtime.events import declared_events
from switchboard.web.views import org_page
from switchboard.webhooks import selectors, services


def _describe(exc: DomainError) -> dict[str, str]:
    if isinstance(exc, InvalidInput):
        return {field: " ".join(messages) for field, messages in exc.fields.items()}
    return {"non_field_errors": exc.message}


def _deliveries_context(org) -> dict:
    return {"deliveries": selectors.deliveries_recent(org)}


@org_page("webhooks.view", methods=("GET", "HEAD", "POST"))
def webhooks_page(request, membership):
    org = membership.organization
    context = {"org": org, "membership": membership, "role": membership.role}
    context["all_events"], status = sorted(declared_events()), 200
    if request.method == "POST":
        try:
            endpoint, secret = services.webhook_endpoint_create(
                organization=org,
                acting_user=request.user,
                url=request.POST.get("url", ""),
                events=request.POST.getlist("events"),
                description=request.POST.get("description", ""),
            )
            context["created"] = {"endpoint": endpoint, "secret": secret}
        except DomainError as exc:
            context["errors"], status = _describe(exc), exc.status_code
            context["form"] = request.POST
    context["endpoints"] = selectors.endpoints_list(org)
    context.update(_deliveries_context(org))
    with timezone.override(org.tzinfo):
        return render(request, "web/webhooks.html", context, status=status)


@org_page("webhooks.view")
def webhook_deliveries(request, membership):
    """The deliveries table alone: the page refreshes it while it is open."""
    org = membership.organization
    with timezone.override(org.tzinfo):
        context = {"org": org, **_deliveries_context(org)}
        return render(request, "web/_webhook_deliveries.html", context)


ENDPOINT_ACTIONS = {
    "on": lambda endpoint, user: services.webhook_endpoint_update(
        endpoint=endpoint, acting_user=user, is_active=True
    ),
    "off": lambda endpoint, user: services.webhook_endpoint_update(
        endpoint=endpoint, acting_user=user, is_active=False
    ),
    "delete": lambda endpoint, user: services.webhook_endpoint_delete(
        endpoint=endpoint, acting_user=user
    ),
}


@org_page("webhooks.manage", methods=("POST",))
def webhook_endpoint_action(request, membership):
    org = membership.organization
    endpoint = selectors.endpoint_get(org, parse_id(request.POST.get("endpoint")) or 0)
    action = ENDPOINT_ACTIONS.get(request.POST.get("action", ""))
    if endpoint is None or action is None:
        raise Http404("No such endpoint.")
    action(endpoint, request.user)
    return redirect("org-webhooks", org_slug=org.slug)


@org_page("webhooks.manage", methods=("POST",))
def webhook_resend(request, membership):
    org = membership.organization
    delivery = selectors.delivery_get(org, parse_id(request.POST.get("delivery")) or 0)
    if delivery is None:
        raise Http404("No such delivery.")
    services.webhook_delivery_resend(delivery=delivery, acting_user=request.user)
    return redirect("org-webhooks", org_slug=org.slug)


@org_page("alerts.view")
def alerts_page(request, membership):
    org = membership.organization
    context = {"org": org, "membership": membership, "role": membership.role}
    context["alerts"] = alert_selectors.alerts_for(org)
    with timezone.override(org.tzinfo):
        return render(request, "web/alerts.html", context)


@org_page("alerts.acknowledge", methods=("POST",))
def alert_acknowledge(request, membership):
    org = membership.organization
    try:
        alert_services.alert_acknowledge(
            organization=org,
            alert_id=parse_id(request.POST.get("alert")) or 0,
            acting_user=request.user,
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return redirect("org-alerts", org_slug=org.slug)
