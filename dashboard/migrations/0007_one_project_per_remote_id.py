# Separate from 0006 so that PostgreSQL adds the constraint after 0006's data changes commit.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0006_service_concurrency"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="project",
            constraint=models.UniqueConstraint(
                condition=models.Q(("remote_id", ""), _negated=True),
                fields=("account", "remote_id"),
                name="one_project_per_remote_id",
            ),
        ),
    ]
