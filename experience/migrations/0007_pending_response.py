import django.db.models.deletion
from django.db import migrations, models

# Every response not yet rolled up gets its queue row; going back, a response is processed
# exactly when it has none.
ENQUEUE = (
    "INSERT INTO experience_pendingresponse (response_id, organisation_id) "
    "SELECT id, organisation_id FROM experience_surveyresponse WHERE processed = false"
)
DEQUEUE = (
    "UPDATE experience_surveyresponse SET processed = NOT EXISTS (SELECT 1 FROM "
    "experience_pendingresponse p WHERE p.response_id = experience_surveyresponse.id)"
)


class Migration(migrations.Migration):

    dependencies = [
        ('experience', '0006_response_highlighted_index'),
        ('xmo', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='PendingResponse',
            fields=[
                ('response', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='pending', serialize=False, to='experience.surveyresponse')),
                ('organisation', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='xmo.organisation')),
            ],
            options={
                'indexes': [models.Index(fields=['organisation', 'response'], name='pending_response_org')],
            },
        ),
        migrations.RunSQL(ENQUEUE, DEQUEUE),
        migrations.RemoveIndex(
            model_name='surveyresponse',
            name='response_unprocessed',
        ),
        migrations.RemoveField(
            model_name='surveyresponse',
            name='processed',
        ),
    ]
