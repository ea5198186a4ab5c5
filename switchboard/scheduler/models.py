"""The scheduler's own rows: who leads, what ran, and each job's latest state.

None of these belong to an organisation: jobs serve the whole deployment and scope
themselves when they touch organisation data.
"""

from django.db import models


class Lease(models.Model):
    """Leadership: the process named in `holder` runs the jobs until `expires_at`.

    `expires_at` is in the database's clock, so processes on machines whose clocks differ
    still agree on when a lease has run out. An empty holder means the lease is free.
    """

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=200, blank=True)
    acquired_at = models.DateTimeField(null=True, blank=True)
    renewed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name}: {self.holder or 'free'}"


class JobResult(models.TextChoices):
    OK = "ok", "OK"
    ERROR = "error", "Error"


class JobRun(models.Model):
    """One recorded run of a job (for high-frequency jobs: a burst of runs that did work).

    `runs` counts the runs a row stands for: 1 for ordinary jobs, more when consecutive
    working runs of a continuous job are summarised in one row.
    """

    job = models.CharField(max_length=100)
    holder = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    result = models.CharField(max_length=8, choices=JobResult.choices)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["job", "-started_at"], name="jobrun_job_started"),
            models.Index(fields=["started_at"], name="jobrun_started"),
        ]

    def __str__(self):
        return f"{self.job} at {self.started_at:%Y-%m-%d %H:%M:%S}: {self.result}"


class JobState(models.Model):
    """Each job's latest run and next planned run, kept by the leader.

    This is what `/health` reads, so any process can answer truthfully without a row per
    idle tick of a continuous job.
    """

    job = models.CharField(max_length=100, primary_key=True)
    holder = models.CharField(max_length=200, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=8, choices=JobResult.choices, blank=True)
    last_counts = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job"]

    def __str__(self):
        return self.job
