"""Read-only: the runner writes these rows; the admin shows who leads and what ran."""

from django.contrib import admin

from switchboard.common.admin import ReadOnlyAdmin
from switchboard.scheduler.models import JobRun, JobState, Lease


@admin.register(Lease)
class LeaseAdmin(ReadOnlyAdmin):
    list_display = ["name", "holder", "acquired_at", "renewed_at", "expires_at"]
    list_filter = ["name"]
    search_fields = ["name", "holder"]


@admin.register(JobState)
class JobStateAdmin(ReadOnlyAdmin):
    list_display = ["job", "last_started_at", "last_result", "next_run_at", "holder"]
    list_filter = ["last_result"]
    search_fields = ["job", "holder", "last_error"]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ["job", "started_at", "finished_at", "result", "runs", "holder"]
    list_filter = ["job", "result"]
    search_fields = ["job", "holder", "error"]
    date_hierarchy = "started_at"
