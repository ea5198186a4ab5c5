"""The kiosk row of the permission table, as a callable, and its routes.

`tests/accounts/test_permissions.py` merges `KIOSK_ACTIONS` into its walk and
`KIOSK_ROUTES` into its route cases.
"""

from switchboard.staff.kiosk import services
from switchboard.staff.kiosk.models import KioskDevice


def _register(org, user):
    device, token = services.kiosk_register(organization=org, acting_user=user, name="Door")
    assert device.token_hash == services.token_hash(token)


def a_kiosk(org) -> KioskDevice:
    found = KioskDevice.objects.filter(organization=org).first()
    if found is not None:
        return found
    return services.kiosk_register(organization=org, acting_user=None, name="Door")[0]


KIOSK_ACTIONS = {"kiosk.manage": _register}
# (route name, method, action, target, payload), as `test_permissions.ROUTE_CASES`.
KIOSK_ROUTES = [
    ("kiosk-list", "get", "kiosk.manage", None, None),
    ("kiosk-list", "post", "kiosk.manage", None, {"name": "Door"}),
    ("kiosk-revoke", "post", "kiosk.manage", a_kiosk, None),
    ("kiosk-badge", "post", "staff.update", None, {"staff": 1, "badge_code": "B1"}),
]
