"""Channel names (DESIGN.md, real-time contract). Every one is authorised."""


def org_channel(org_slug: str) -> str:
    return f"private-org-{org_slug}"


def staff_channel(org_slug: str, staff_id: int) -> str:
    return f"private-org-{org_slug}-staff-{staff_id}"


def dept_channel(org_slug: str, dept_slug: str) -> str:
    return f"private-org-{org_slug}-dept-{dept_slug}"


def presence_channel(org_slug: str) -> str:
    return f"presence-org-{org_slug}"
