from django.db import migrations, models


def fill_by_name(apps, schema_editor):
    """Name the actor of the rows written before the field existed, where it is still known
    (a row whose user is gone stays unnamed: a job and a deleted user look alike there)."""
    BookingTransition = apps.get_model("bookings", "BookingTransition")
    rows = BookingTransition.objects.select_related("by").filter(by_name="", by__isnull=False)
    for row in rows.iterator():
        full = f"{row.by.first_name} {row.by.last_name}".strip()
        row.by_name = full or row.by.username
        row.save(update_fields=["by_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0002_session_end_index_and_overlap_guard"),
    ]

    operations = [
        migrations.AddField(
            model_name="bookingtransition",
            name="by_name",
            field=models.CharField(blank=True, default="", max_length=300),
        ),
        migrations.RunPython(fill_by_name, migrations.RunPython.noop),
    ]
