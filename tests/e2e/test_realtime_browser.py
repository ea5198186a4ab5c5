"""The browser module in Chromium: live indicator, events from the outbox with their id,
and the gap after a disconnection filled from the replay endpoint, in order, once."""

import pytest
from django.test import Client

from switchboard.realtime.models import OutboxEvent
from switchboard.realtime.publish import outbox_write as publish
from switchboard.staff.channels import org_channel, presence_channel
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.realtime.support import LiveApp, wait_until
from tests.staff.factories import StaffMemberFactory

pytestmark = pytest.mark.e2e

COLLECT = """() => {
  window.received = [];
  SwitchboardRealtime.on('roster-updated', (data, meta) => {
    window.received.push({n: data.n, id: meta.eventId, replayed: meta.replayed});
  });
}"""


@pytest.fixture
def member(transactional_db):
    org = OrganizationFactory(slug="acme", name="Acme")
    return MembershipFactory(organization=org, role="operator").user


@pytest.fixture
def live(member):
    app = LiveApp(scheduler=True).start()
    yield app
    app.cleanup()


def open_home(page, live, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live.url}]
    )
    page.goto(f"{live.url}/o/acme/")
    status = page.locator("[data-testid=realtime-status]")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=realtime-status]').dataset.state === 'connected'"
    )
    return status


def wait_until_caught_up(page, channel):
    page.wait_for_function(
        f"""() => SwitchboardRealtime.pusher.channel('{channel}').subscribed
                  && !SwitchboardRealtime.isFilling('{channel}')"""
    )


def published(row) -> bool:
    row.refresh_from_db()
    return row.published_at is not None


def test_indicator_goes_live_and_outbox_events_arrive(page, live, member):
    status = open_home(page, live, member)
    assert status.inner_text() == "Live"
    page.evaluate(COLLECT)
    wait_until_caught_up(page, "private-org-acme")
    org = member.memberships.get().organization
    rows = [publish(org, [org_channel("acme")], "roster-updated", {"n": n})[0] for n in range(3)]
    page.wait_for_function("() => window.received.length === 3")
    assert page.evaluate("window.received") == [
        {"n": n, "id": row.pk, "replayed": False} for n, row in enumerate(rows)
    ]


def test_a_reconnecting_page_fills_the_gap_in_order_once(page, live, member):
    open_home(page, live, member)
    page.evaluate(COLLECT)
    org = member.memberships.get().organization
    channel = org_channel("acme")
    wait_until_caught_up(page, channel)
    first = publish(org, [channel], "roster-updated", {"n": 0})[0]
    page.wait_for_function("() => window.received.length === 1")

    page.evaluate("() => SwitchboardRealtime.pusher.disconnect()")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=realtime-status]').dataset.state === 'disconnected'"
    )
    assert page.inner_text("[data-testid=realtime-status]") == "Offline"
    missed = [publish(org, [channel], "roster-updated", {"n": n})[0] for n in (1, 2)]
    # Published to nobody: the page was away when the relay sent them.
    wait_until(lambda: all(published(row) for row in missed))

    page.evaluate("() => SwitchboardRealtime.pusher.connect()")
    page.wait_for_function("() => window.received.length === 3")
    after = publish(org, [channel], "roster-updated", {"n": 3})[0]
    page.wait_for_function("() => window.received.length === 4")
    page.wait_for_timeout(300)
    assert page.evaluate("window.received") == [
        {"n": 0, "id": first.pk, "replayed": False},
        {"n": 1, "id": missed[0].pk, "replayed": True},
        {"n": 2, "id": missed[1].pk, "replayed": True},
        {"n": 3, "id": after.pk, "replayed": False},
    ]
    assert page.evaluate(f"() => SwitchboardRealtime.lastEventId('{channel}')") == after.pk
    assert OutboxEvent.objects.filter(channel=channel).count() == 4


def test_events_published_before_the_page_connected_are_not_lost(page, live, member):
    """The page knows the newest event id at render time; whatever came after it and
    before the subscription is fetched from the replay endpoint."""
    client = Client()
    client.force_login(member)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live.url}]
    )
    # Hold the WebSocket back so that an event lands between render and subscription.
    page.route("**/vendor/pusher-js/pusher.min.js", lambda route: route.abort())
    page.goto(f"{live.url}/o/acme/")
    org = member.memberships.get().organization
    early = publish(org, [org_channel("acme")], "roster-updated", {"n": 0})[0]
    wait_until(lambda: published(early))
    page.unroute("**/vendor/pusher-js/pusher.min.js")
    # Listen before the module starts (it announces every event on the document too).
    page.evaluate(
        """() => {
             window.received = [];
             document.addEventListener('realtime:event', (e) => window.received.push(
               {n: e.detail.data.n, id: e.detail.meta.eventId, replayed: e.detail.meta.replayed}));
           }"""
    )
    page.add_script_tag(url=f"{live.url}/static/vendor/pusher-js/pusher.min.js")
    page.add_script_tag(url=f"{live.url}/static/web/realtime.js")
    page.wait_for_function("() => window.received.length === 1")
    assert page.evaluate("window.received") == [{"n": 0, "id": early.pk, "replayed": True}]


@pytest.fixture
def forger_page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_client_events_with_future_ids_do_not_hide_real_updates(page, forger_page, live, member):
    """Another member can send `client-*` events carrying any `event_id` on the presence
    channel; the page must neither skip the real events with those ids nor move its replay
    position past them. The same forged events handed to the page's organisation channel
    (whether or not the server would relay them there) change nothing either."""
    org = member.memberships.get().organization
    presence, channel = presence_channel("acme"), org_channel("acme")
    staff = StaffMemberFactory(organization=org).user
    open_home(page, live, member)
    page.evaluate(COLLECT)
    page.evaluate(
        """() => { window.noise = 0;
                   SwitchboardRealtime.on('client-noise', () => { window.noise += 1; }); }"""
    )
    wait_until_caught_up(page, presence)
    wait_until_caught_up(page, channel)
    open_home(forger_page, live, staff)
    wait_until_caught_up(forger_page, presence)
    # The ids the next events will get: one past a probe (sequences skip deleted rows).
    probe = publish(org, [channel], "roster-updated", {"n": -1})[0]
    page.wait_for_function("() => window.received.length === 1")
    page.evaluate("() => { window.received = []; }")
    first = probe.pk + 1
    forged = list(range(first, first + 8))
    for event_id in forged:  # under the server's client-event rate limit
        forger_page.evaluate(
            f"""() => SwitchboardRealtime.pusher.channel('{presence}')
                        .trigger('client-noise', {{event_id: {event_id}}})"""
        )
        forger_page.wait_for_timeout(150)
    page.wait_for_function(f"() => window.noise === {len(forged)}")
    page.evaluate(
        f"""() => {{ const target = SwitchboardRealtime.pusher.channel('{channel}');
                     {forged}.forEach(id => target.emit('client-noise', {{event_id: id}})); }}"""
    )
    page.wait_for_function(f"() => window.noise === {2 * len(forged)}")
    assert page.evaluate(f"() => SwitchboardRealtime.lastEventId('{presence}')") < first
    assert page.evaluate(f"() => SwitchboardRealtime.lastEventId('{channel}')") == probe.pk

    real = [publish(org, [presence], "roster-updated", {"n": n})[0] for n in range(3)]
    real += [publish(org, [channel], "roster-updated", {"n": n})[0] for n in range(3, 6)]
    assert [row.pk for row in real] == forged[:6]
    page.wait_for_function("() => window.received.length === 6")
    assert sorted(page.evaluate("window.received"), key=lambda e: e["n"]) == [
        {"n": n, "id": row.pk, "replayed": False} for n, row in enumerate(real)
    ]
