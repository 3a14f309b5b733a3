from django.db import migrations, models


def retire_files_without_teams(apps, schema_editor):
    # A file written before its teams were recorded can't be checked against membership.
    apps.get_model("dashboard", "ProjectExport").objects.filter(status="ready").update(
        status="failed", message="This export was made before an update; export again."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0017_sqlite_search_by_team"),
    ]

    operations = [
        migrations.AddField(
            model_name="projectexport",
            name="team_ids",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="The teams whose projects the file holds: its requester must still be a member of each to download it.",
            ),
        ),
        migrations.RunPython(retire_files_without_teams, migrations.RunPython.noop),
    ]
