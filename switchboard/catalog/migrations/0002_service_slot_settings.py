"""Slot settings on services; the single buffer becomes the buffer after (docs/slots.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_services_and_resources"),
    ]

    operations = [
        # The old buffer was the provider's time after a booking: it keeps its value.
        migrations.RenameField(
            model_name="service", old_name="buffer_minutes", new_name="buffer_after_minutes"
        ),
        migrations.AddField(
            model_name="service",
            name="buffer_before_minutes",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="service",
            name="slot_interval_minutes",
            field=models.PositiveIntegerField(
                blank=True, null=True, help_text="between slot starts; empty: the duration"
            ),
        ),
        migrations.AddField(
            model_name="service",
            name="min_notice_minutes",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="service",
            name="horizon_days",
            field=models.PositiveIntegerField(
                blank=True,
                null=True,
                help_text="how far ahead it can be booked; empty: the window",
            ),
        ),
        migrations.AddField(
            model_name="service",
            name="slot_capacity",
            field=models.PositiveIntegerField(default=1, help_text="seats per slot"),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(slot_capacity__gt=0), name="service_slot_capacity_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(slot_interval_minutes__isnull=True)
                | models.Q(slot_interval_minutes__gt=0),
                name="service_slot_interval_positive",
            ),
        ),
    ]
