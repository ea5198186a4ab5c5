"""The resource board page: linked from the owner's and operator's home, rendered from the
derived status; staff read it, managers act on it."""

from datetime import UTC, datetime, timedelta

from django.test import Client

from switchboard.bookings import services
from switchboard.common.clock import frozen_at
from tests.bookings.factories import session_service
from tests.catalog.factories import ResourceFactory

T0 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_owner_and_operator_homes_link_the_board(org, owner, operator):
    for user in (owner, operator):
        home = logged_in(user).get(f"/o/{org.slug}/").content.decode()
        assert f'href="/o/{org.slug}/resources/"' in home


def test_the_board_renders_each_machine_with_its_derived_status(
    org, operator, staff_user, django_assert_max_num_queries
):
    session_service(org)
    pcs = [ResourceFactory(organization=org, name=f"PC0{i}", kind="pc") for i in range(1, 6)]
    with frozen_at(T0):
        session = services.session_start(
            organization=org, resource=pcs[0], minutes=60, acting_user=operator
        )
        client = logged_in(operator)
        with django_assert_max_num_queries(12):  # one query for the board, whatever its size
            response = client.get(f"/o/{org.slug}/resources/")
    assert response.status_code == 200
    board = response.context["board"]
    rows = {row["name"]: row for row in board["resources"]}
    assert rows["PC01"]["status"] == "active"
    assert rows["PC01"]["active_booking"] == session.pk
    assert rows["PC01"]["remaining_seconds"] == 3600
    assert rows["PC02"] | {"status": "available", "ends_at": None} == rows["PC02"]
    assert board["serverNow"] == T0.isoformat()
    assert response.content.decode().count('data-testid="resource-row"') == 5
    # Staff read the board (docs: `sessions.resource_board`), without the buttons.
    staff_page = logged_in(staff_user).get(f"/o/{org.slug}/resources/")
    assert staff_page.status_code == 200
    assert 'data-testid="resource-actions"' not in staff_page.content.decode()


def test_the_board_after_an_end_shows_free_with_the_end_not_yet_official(org, operator):
    session_service(org)
    pc = ResourceFactory(organization=org, name="PC01", kind="pc")
    with frozen_at(T0):
        services.session_start(organization=org, resource=pc, minutes=1, acting_user=operator)
    with frozen_at(T0 + timedelta(minutes=1, seconds=1)):
        response = logged_in(operator).get(f"/o/{org.slug}/resources/")
    row = response.context["board"]["resources"][0]
    assert row["status"] == "available"
    assert row["unofficial_end_at"] == (T0 + timedelta(minutes=1)).isoformat()
