"""Channel names have one reading: whatever the slugs, a name built for one organisation
parses back to that organisation and sub-channel, and to no other."""

from hypothesis import given
from hypothesis import strategies as st

from switchboard.staff.channels import (
    Channel,
    customer_channel,
    dept_channel,
    managers_channel,
    org_channel,
    parse,
    presence_channel,
    staff_channel,
)

slugs = st.from_regex(r"[-a-zA-Z0-9_]{1,40}", fullmatch=True)
ids = st.integers(min_value=1, max_value=10**9)


@given(slug=slugs, dept=slugs, number=ids)
def test_every_name_parses_back_to_what_built_it(slug, dept, number):
    assert parse(org_channel(slug)) == Channel(slug, "org")
    assert parse(managers_channel(slug)) == Channel(slug, "managers")
    assert parse(staff_channel(slug, number)) == Channel(slug, "staff", str(number))
    assert parse(dept_channel(slug, dept)) == Channel(slug, "dept", dept)
    assert parse(customer_channel(slug, number)) == Channel(slug, "customer", str(number))
    assert parse(presence_channel(slug)) == Channel(slug, "presence")


def test_the_probe_case_and_names_that_are_not_ours():
    assert parse("private-org-hotel-killarney-dept-front-desk") == Channel(
        "hotel-killarney-dept-front-desk", "org"
    )
    assert parse("private-org-hotel-killarney.dept-front-desk") == Channel(
        "hotel-killarney", "dept", "front-desk"
    )
    for name in (
        "private-org-",
        "private-org-a.",
        "private-org-a.b",
        "private-org-a.staff-x",
        "private-org-a.dept-b.c",
        "presence-org-a.managers",
        "private-org-a b",
        "news",
    ):
        assert parse(name) is None, name
