from tests.bookings.factories import staff_with

BASE = "/api/orgs/acme"


def test_owner_manages_services(api, org, owner):
    provider = staff_with(org, "employee")
    client = api.as_user(owner)
    created = client.post(
        f"{BASE}/services/",
        {
            "name": "Car wash",
            "workflow": "standard",
            "duration_minutes": 30,
            "buffer_after_minutes": 10,
            "price": "300.00",
            "skill": "employee",
            "providers": [provider.pk],
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["skill"], body["providers"], body["price"]) == (
        "employee",
        [provider.pk],
        "300.00",
    )
    url = f"{BASE}/services/{body['id']}/"
    changed = client.patch(url, {"price": "350.00", "providers": []})
    assert changed.json()["price"] == "350.00" and changed.json()["providers"] == []
    assert client.delete(url).json()["is_active"] is False
    assert client.get(f"{BASE}/services/").json()["count"] == 0
    assert client.get(f"{BASE}/services/", {"include_inactive": "true"}).json()["count"] == 1


def test_providers_of_another_organisation_are_refused(api, org, other_org, owner):
    foreign = staff_with(other_org, "employee")
    response = api.as_user(owner).post(
        f"{BASE}/services/", {"name": "Wash", "providers": [foreign.pk]}
    )
    assert response.status_code == 400 and "providers" in response.json()
    assert api.as_user(owner).get(f"{BASE}/services/").json()["count"] == 0


def test_resources_and_the_kind_filter(api, org, operator):
    client = api.as_user(operator)
    for name, kind in [("PC01", "pc"), ("PC02", "pc"), ("Bay 1", "wash_bay")]:
        assert client.post(f"{BASE}/resources/", {"name": name, "kind": kind}).status_code == 201
    pcs = client.get(f"{BASE}/resources/", {"kind": "pc"}).json()
    assert [r["name"] for r in pcs["results"]] == ["PC01", "PC02"]
    bay = client.get(f"{BASE}/resources/", {"kind": "wash_bay"}).json()["results"][0]
    response = client.patch(f"{BASE}/resources/{bay['id']}/", {"in_maintenance": True})
    assert response.json()["in_maintenance"] is True


def test_staff_read_the_catalog_but_do_not_change_it(api, org, staff_user):
    client = api.as_user(staff_user)
    assert client.get(f"{BASE}/services/").status_code == 200
    assert client.post(f"{BASE}/services/", {"name": "x"}).status_code == 403
    assert client.get(f"{BASE}/services/").json()["count"] == 0
