from django.db import migrations


def forwards(apps, schema_editor):
    """Services listed in scope before scope statuses existed stay in scope."""
    Office = apps.get_model("office", "Office")
    ServiceScope = apps.get_model("office", "ServiceScope")
    for office in Office.objects.all():
        for service in office.services_in_scope.all():
            ServiceScope.objects.get_or_create(
                service=service,
                defaults={
                    "organisation_id": office.organisation_id,
                    "status": "in_scope",
                    "override_reason": "In scope before the readiness checklist existed.",
                },
            )


class Migration(migrations.Migration):
    dependencies = [("office", "0002_scope_duties_key_results_training")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
