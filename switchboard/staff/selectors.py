from django.db.models import Q

from switchboard.staff.models import Department, StaffMember


def departments_list(organization, *, include_inactive: bool = False):
    qs = Department.objects.for_org(organization)
    return qs if include_inactive else qs.filter(is_active=True)


def staff_list(
    organization,
    *,
    department: str | None = None,
    skill: str | None = None,
    is_active: bool | None = True,
    search: str = "",
):
    qs = (
        StaffMember.objects.for_org(organization)
        .select_related("user", "department", "organization")
        .prefetch_related("skills")
    )
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if department:
        qs = qs.filter(department__slug=department)
    if skill:
        qs = qs.filter(skills__slug=skill)
    if search:
        qs = qs.filter(
            Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
            | Q(user__username__icontains=search)
        )
    return qs.distinct()


def staff_for_user(organization, user) -> StaffMember | None:
    return (
        StaffMember.objects.for_org(organization)
        .select_related("user", "department")
        .filter(user=user, is_active=True)
        .first()
    )
