from django.db import migrations, models

# The metric rollups' sketch is stored as packed binary entries instead of JSON (writing the
# JSON cost more than rolling the samples up). The old rows are dropped and every sample not
# yet queued is queued, so the next rollups run rebuilds them; going back does the same for
# the JSON column.
REQUEUE = [
    "DELETE FROM experience_metricrollup",
    "INSERT INTO experience_pendingsample (sample_id, organisation_id) "
    "SELECT s.id, s.organisation_id FROM experience_metricsample s "
    "WHERE NOT EXISTS (SELECT 1 FROM experience_pendingsample p WHERE p.sample_id = s.id)",
]


class Migration(migrations.Migration):
    dependencies = [("experience", "0016_persona_hourly_cost")]

    operations = [
        migrations.RunSQL(REQUEUE, REQUEUE),
        migrations.RemoveField(model_name="metricrollup", name="sketch"),
        migrations.AddField(
            model_name="metricrollup",
            name="sketch",
            field=models.BinaryField(
                default=bytes,
                help_text=(
                    "Quantile sketch: (bucket code, samples) entries, "
                    "experience/rollups/sketch.py."
                ),
            ),
        ),
    ]
