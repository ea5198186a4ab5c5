from django.db import models

from switchboard.common.clock import now


class OrgScopedQuerySet(models.QuerySet):
    def for_org(self, organization):
        return self.filter(organization=organization)


class OrgScopedModel(models.Model):
    """Base for every organisation-owned row: tenancy is a column, never an afterthought."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        abstract = True
