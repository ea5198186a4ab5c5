from switchboard.accounts.selectors import organizations_for_user


def organizations(request):
    """The organisations for the switcher in the base layout."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"my_organizations": list(organizations_for_user(user).order_by("name"))}
