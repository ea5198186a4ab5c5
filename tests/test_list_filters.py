"""Every list validates its query parameters: a bad value is a 400 with field errors."""

import pytest

from switchboard.common.filters import parse_id

BASE = "/api/orgs/acme"
HUGE = "99999999999999999999999"
ARABIC_ONE = "\u0661"  # str.isdigit() and int() accept it
LISTS = [
    "bookings/",
    "sessions/",
    "members/",
    "staff/",
    "departments/",
    "services/",
    "resources/",
    "employees/",
]
LISTS.append("resource-board/")

BAD_PARAMETERS = [
    ("bookings/", {"service": "²"}, "service"),
    ("bookings/", {"service": HUGE}, "service"),
    ("bookings/", {"service": ARABIC_ONE * 2}, "service"),
    ("bookings/", {"assignee": "²"}, "assignee"),
    ("bookings/", {"assignee": HUGE}, "assignee"),
    ("bookings/", {"status": "nope"}, "status"),
    ("bookings/", {"date_from": "yesterday"}, "date_from"),
    ("bookings/", {"active": "maybe"}, "active"),
    ("sessions/", {"open": "maybe"}, "open"),
    ("members/", {"role": "king"}, "role"),
    ("staff/", {"is_active": "maybe"}, "is_active"),
    ("departments/", {"include_inactive": "maybe"}, "include_inactive"),
    ("services/", {"workflow": "nope"}, "workflow"),
    ("services/", {"include_inactive": "maybe"}, "include_inactive"),
    ("resources/", {"include_inactive": "maybe"}, "include_inactive"),
    ("employees/", {"availability_status": "asleep"}, "availability_status"),
    ("employees/", {"is_active": "maybe"}, "is_active"),
    ("resource-board/", {"kind": "x" * 41}, "kind"),
]


@pytest.mark.parametrize(("path", "params", "field"), BAD_PARAMETERS)
def test_a_bad_list_parameter_is_a_400_naming_the_field(api, owner, path, params, field):
    response = api.as_user(owner).get(f"{BASE}/{path}", params)
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]


@pytest.mark.parametrize(
    "path",
    LISTS,
)
def test_every_list_still_answers_without_parameters(api, owner, path):
    assert api.as_user(owner).get(f"{BASE}/{path}").status_code == 200


@pytest.mark.parametrize(
    ("text", "number"),
    [
        *[("1", 1), ("42", 42), (str(2**63 - 1), 2**63 - 1)],
        *[("0", None), (str(2**63), None), ("²", None), (ARABIC_ONE, None), ("-1", None)],
        *[(" 1", None), ("", None), (None, None)],
    ],
)
def test_ids_are_ascii_digits_within_64_bits(text, number):
    assert parse_id(text) == number


def test_the_filters_are_documented_in_the_schema(client, db):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    listed = paths["/api/orgs/{org_slug}/bookings/"]["get"]["parameters"]
    service = next(p for p in listed if p["name"] == "service")
    assert service["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    sessions = paths["/api/orgs/{org_slug}/sessions/"]["get"]["parameters"]
    assert {"open", "page", "page_size"} <= {p["name"] for p in sessions}


@pytest.mark.parametrize("staff", ["²", ARABIC_ONE * 2, HUGE, "abc", ""])
def test_the_employees_page_answers_404_not_500_for_a_bad_staff_id(client, owner, staff):
    client.force_login(owner)
    url = "/o/acme/employees/assignments/"
    assert client.get(url, {"staff": staff}).status_code == 404
    moved = client.post(f"{url}move/", {"staff": staff, "booking": staff, "status": "confirmed"})
    assert moved.status_code == 404
