"""The admin's doors (issue #22): the audit action for an operator's edit of an account,
and a database guard behind `services.teams_keep_an_admin`.

The guard is PostgreSQL's (where production runs).

Every door the product has asks the service first, with a clear message. This catches
any other path (a shell, a cascade, a queryset update): a transaction that leaves a
team that still exists without an admin fails at commit. The check is deferred to
commit, so handing the role over in one transaction (demote, then promote) passes, and
so does deleting a whole team. It locks the team row first, so two transactions that
each remove one of two admins are checked one after the other.

SQLite has no deferred triggers; there the services alone hold the rule.
"""

from django.db import migrations, models

POSTGRES = [
    """CREATE FUNCTION dashboard_team_keeps_an_admin() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM 1 FROM dashboard_team WHERE id = OLD.team_id FOR NO KEY UPDATE;
      IF FOUND AND NOT EXISTS (
        SELECT 1 FROM dashboard_membership WHERE team_id = OLD.team_id AND role = 'admin'
      ) THEN
        RAISE EXCEPTION 'team % would be left without an admin', OLD.team_id
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE CONSTRAINT TRIGGER dashboard_membership_admin_deleted
    AFTER DELETE ON dashboard_membership DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.role = 'admin')
    EXECUTE FUNCTION dashboard_team_keeps_an_admin()""",
    """CREATE CONSTRAINT TRIGGER dashboard_membership_admin_changed
    AFTER UPDATE OF role, team_id ON dashboard_membership DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.role = 'admin' AND (NEW.role <> 'admin' OR NEW.team_id <> OLD.team_id))
    EXECUTE FUNCTION dashboard_team_keeps_an_admin()""",
]
DROP = [
    "DROP TRIGGER IF EXISTS dashboard_membership_admin_changed ON dashboard_membership",
    "DROP TRIGGER IF EXISTS dashboard_membership_admin_deleted ON dashboard_membership",
    "DROP FUNCTION IF EXISTS dashboard_team_keeps_an_admin()",
]


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES:
            schema_editor.execute(statement, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0018_export_team_ids"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("account.connected", "Account connected"),
                    ("account.replaced", "Account credentials replaced"),
                    ("account.verified", "Account verified"),
                    ("account.verify_failed", "Account verification failed"),
                    ("account.needs_reconnect", "Account needs new credentials"),
                    ("team.member_added", "Team member added"),
                    ("team.member_role_changed", "Team member's role changed"),
                    ("team.member_removed", "Team member removed"),
                    ("account.disconnected", "Account disconnected"),
                    ("account.plan_changed", "Account plan changed"),
                    ("account.edited", "Account edited"),
                    ("project.requested", "Project create requested"),
                    ("project.created", "Project created"),
                    ("project.failed", "Project create failed"),
                    ("project.unknown", "Project outcome unknown"),
                    ("project.imported", "Project imported"),
                    ("project.refreshed", "Project refreshed"),
                    ("project.missing", "Project missing at vendor"),
                    ("project.reconciled", "Project checked at vendor"),
                    ("project.retried", "Project create retried"),
                    ("project.stale", "Pending project timed out"),
                    ("project.secret_revealed", "Project secret revealed"),
                    ("project.secret_regenerated", "Project secret regenerated"),
                    ("device_login.started", "Device sign-in started"),
                    ("device_login.ended", "Device sign-in ended"),
                ],
                max_length=40,
            ),
        ),
        migrations.RunPython(create_guard, drop_guard),
    ]
