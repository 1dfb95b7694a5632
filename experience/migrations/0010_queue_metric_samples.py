from django.db import migrations

# The metric rollups change shape (delta rows and a quantile sketch instead of every sample
# of the day): the old rows are dropped and every sample is queued, so the next rollups run
# rebuilds them and nothing is lost. Going back, the old code finds every sample unprocessed
# and no rollup row, and merges them all again.
FORWARD = [
    "DELETE FROM experience_metricrollup",
    "INSERT INTO experience_pendingsample (sample_id, organisation_id) "
    "SELECT id, organisation_id FROM experience_metricsample",
]
BACKWARD = ["DELETE FROM experience_pendingsample", "DELETE FROM experience_metricrollup"]


class Migration(migrations.Migration):
    dependencies = [("experience", "0009_metric_rollup_deltas")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
