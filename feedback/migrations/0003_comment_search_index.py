"""A GIN index for full-text search on feedback comments (PostgreSQL only).

The expression matches feedback.selectors.comment_vector exactly, so the planner uses it.
"""

from django.db import migrations

INDEX = "feedback_comment_fts"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON experience_surveyresponse "
        "USING gin (to_tsvector('english'::regconfig, comment))"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_suggestion_cursor"),
        ("experience", "0002_initial"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
