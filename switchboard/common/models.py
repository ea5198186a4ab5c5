from django.db import models

from switchboard.common.clock import now
from switchboard.common.tenancy import scoped_manager


class OrgScopedQuerySet(models.QuerySet):
    def for_org(self, organization):
        return self.filter(organization=organization)


class OrgScopedManager(models.Manager.from_queryset(OrgScopedQuerySet)):
    def for_org(self, organization):
        # Through `filter`, so that outside a scope this too is a ScopeError; inside one,
        # another organisation's rows stay invisible whatever `organization` says.
        return self.get_queryset().filter(organization=organization)


class OrgScopedModel(models.Model):
    """Base for every organisation-owned row: tenancy is a column, never an afterthought."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)

    # Refuses any query outside an organisation scope (common/tenancy.py).
    objects = scoped_manager(manager_class=OrgScopedManager)

    class Meta:
        abstract = True
