"""Deliveries: written with the change, sent in order per endpoint, signed, retried with
back-off, and an endpoint that fails for the whole window switched off with an alert."""

import time

import pytest
from django.db import transaction

from switchboard.alerts.models import Alert
from switchboard.staff import services as staff_services
from switchboard.webhooks import jobs, services
from switchboard.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.staff.factories import StaffMemberFactory
from tests.support.wait import wait_until
from tests.webhooks.support import verify

EVENT = "staff-profile-updated"


def an_endpoint(org, url, events=(EVENT,)):
    return services.webhook_endpoint_create(
        organization=org, acting_user=None, url=url, events=list(events)
    )[0]


def change(staff, capacity):
    staff_services.staff_update(staff=staff, acting_user=None, capacity=capacity)


def send_until_quiet(count, status=DeliveryStatus.DELIVERED):
    """Run the job (as the leader would, woken each time) until `count` deliveries have
    `status`."""

    def settled():
        if jobs.in_flight() == 0:
            jobs.send_webhooks()
        return WebhookDelivery.objects.filter(status=status).count() >= count

    wait_until(settled)
    wait_until(lambda: jobs.in_flight() == 0)


@pytest.mark.django_db
def test_a_delivery_is_written_with_the_change_and_only_for_endpoints_that_want_it(org):
    wants = an_endpoint(org, "http://127.0.0.1:9/a")
    an_endpoint(org, "http://127.0.0.1:9/b", events=["booking-updated"])
    staff = StaffMemberFactory(organization=org)
    change(staff, 3)
    rows = list(WebhookDelivery.objects.all())
    assert [(row.endpoint_id, row.event) for row in rows] == [(wants.pk, EVENT)]
    assert '"capacity":3' in rows[0].body

    with pytest.raises(RuntimeError), transaction.atomic():
        change(staff, 4)
        raise RuntimeError("rolled back")
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_deliveries_arrive_signed_in_order_and_retries_keep_the_webhook_id(
    org, receiver, fast_retries
):
    endpoint = an_endpoint(org, receiver.url)
    staff = StaffMemberFactory(organization=org)
    receiver.answers = [500, 503]  # the first delivery fails twice
    for capacity in (1, 2, 3):
        change(staff, capacity)
    send_until_quiet(3)

    ids = list(WebhookDelivery.objects.order_by("id").values_list("msg_id", flat=True))
    first = ids[0]
    assert receiver.ids() == [first, first, first, ids[1], ids[2]]
    assert [body["data"]["capacity"] for body in receiver.bodies()] == [1, 1, 1, 2, 3]
    assert all(body["type"] == EVENT for body in receiver.bodies())
    for request in receiver.requests:
        assert verify(endpoint.secret, request["headers"], request["body"], now=int(time.time()))
    head = WebhookDelivery.objects.get(msg_id=first)
    assert (head.attempts, head.last_status_code, head.status) == (3, 200, "delivered")
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is None


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_failing_for_the_whole_window_is_switched_off_and_its_owners_alerted(
    org, other_org, receiver, settings
):
    settings.WEBHOOKS = {**settings.WEBHOOKS, "RETRY_WINDOW_SECONDS": 0}
    endpoint = an_endpoint(org, receiver.url)
    receiver.answers = [500]
    change(StaffMemberFactory(organization=org), 5)
    send_until_quiet(1, status=DeliveryStatus.FAILED)

    endpoint.refresh_from_db()
    assert not endpoint.is_active and "failed for" in endpoint.disabled_reason
    alert = Alert.objects.get()
    assert alert.organization == org and receiver.url in alert.title
    # A later event still queues nothing for it until an owner switches it on again.
    change(StaffMemberFactory(organization=org), 6)
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1

    services.webhook_delivery_resend(delivery=WebhookDelivery.objects.get(), acting_user=None)
    services.webhook_endpoint_update(endpoint=endpoint, acting_user=None, is_active=True)
    send_until_quiet(1)
    assert len(receiver.ids()) == 2 and len(set(receiver.ids())) == 1


@pytest.mark.django_db(transaction=True)
def test_a_slow_endpoint_holds_up_neither_requests_nor_the_job(org, owner, api, receiver):
    import threading

    an_endpoint(org, receiver.url)
    staff = StaffMemberFactory(organization=org)
    receiver.hold = threading.Event()
    change(staff, 1)
    assert jobs.send_webhooks() == {"dispatched": 1}  # handed to a sender thread
    assert receiver.holding.wait(30)  # the endpoint now sits on the request

    client = api.as_user(owner)
    response = client.patch(
        f"/api/orgs/{org.slug}/staff/{staff.pk}/", {"capacity": 2}, format="json"
    )
    assert response.status_code == 200
    assert jobs.send_webhooks() == {"dispatched": 0}  # its endpoint is busy: order kept
    assert receiver.ids() == []  # still held: nothing above waited for it

    receiver.hold.set()
    send_until_quiet(2)
    assert [body["data"]["capacity"] for body in receiver.bodies()] == [1, 2]
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.django_db
def test_the_prune_keeps_pending_and_recent_deliveries_and_the_audit_finds_a_stuck_one(
    org, settings
):
    from datetime import timedelta

    from switchboard.common import clock

    an_endpoint(org, "http://127.0.0.1:9/a")
    staff = StaffMemberFactory(organization=org)
    for capacity in (1, 2, 3):
        change(staff, capacity)
    old, recent, pending = WebhookDelivery.objects.order_by("id")
    WebhookDelivery.objects.filter(pk__in=[old.pk, recent.pk]).update(status="delivered")
    WebhookDelivery.objects.filter(pk__in=[old.pk, pending.pk]).update(
        created_at=clock.now() - timedelta(days=30)
    )
    assert jobs.prune_webhook_deliveries() == {"deleted": 1}
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}

    assert jobs.webhooks_overdue_check()[0] == 0
    WebhookDelivery.objects.filter(pk=pending.pk).update(
        next_attempt_at=clock.now() - timedelta(hours=1)
    )
    count, examples = jobs.webhooks_overdue_check()
    assert count == 1 and pending.msg_id in examples[0]
