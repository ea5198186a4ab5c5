"""The API's OPTIONS answer.

Its own module, not `common.api`: DRF reads `DEFAULT_METADATA_CLASS` while it defines
`APIView`, and `common.api` imports `rest_framework.views`, so a class there would be
imported half-built whenever `common.api` happens to be imported first.
"""

from rest_framework import metadata


class Metadata(metadata.SimpleMetadata):
    """An OPTIONS answer without DRF's form description, which needs a serializer class
    that views calling services with their own serializers do not have (a 500)."""

    def determine_metadata(self, request, view):
        answer = super().determine_metadata(request, view)
        answer.pop("actions", None)
        return answer

    def determine_actions(self, request, view):
        return {}
