"""SQLite's two FTS5 search tables keyed by team (see dashboard/search.py).

Each name is indexed under the rowid (team_id << 40) | id, so one team's entries form one
rowid range, which FTS5 seeks to: a search reads its own teams' matches, not every
team's. The tables become contentless (an external-content table must share the
project's rowid); the triggers give FTS5 the old name and team to delete. PostgreSQL's
GIN indexes are unchanged.
"""

import importlib

from django.db import migrations

# search.TEAM_SHIFT must stay the same.
KEY = "(({row}.team_id << 40) | {row}.id)"
TABLES = {
    "dashboard_project_words": "unicode61 remove_diacritics 0",
    "dashboard_project_fts": "trigram",
}


def keyed_by_team(table: str, tokenize: str) -> list[str]:
    new, old = KEY.format(row="NEW"), KEY.format(row="OLD")
    delete_old = f"INSERT INTO {table} ({table}, rowid, name) VALUES ('delete', {old}, OLD.name);"
    insert_new = f"INSERT INTO {table} (rowid, name) VALUES ({new}, NEW.name);"
    return [
        f"CREATE VIRTUAL TABLE {table} USING fts5(name, content='', tokenize='{tokenize}')",
        f"CREATE TRIGGER {table}_insert AFTER INSERT ON dashboard_project BEGIN {insert_new} END",
        f"CREATE TRIGGER {table}_delete AFTER DELETE ON dashboard_project BEGIN {delete_old} END",
        f"""CREATE TRIGGER {table}_update AFTER UPDATE OF name, team_id ON dashboard_project
        WHEN OLD.name IS NOT NEW.name OR OLD.team_id IS NOT NEW.team_id BEGIN
          {delete_old}
          {insert_new}
        END""",
        f"INSERT INTO {table} (rowid, name) "
        f"SELECT {KEY.format(row='dashboard_project')}, name FROM dashboard_project",
    ]


def dropped(table: str) -> list[str]:
    triggers = (f"DROP TRIGGER IF EXISTS {table}_{op}" for op in ("insert", "delete", "update"))
    return [*triggers, f"DROP TABLE IF EXISTS {table}"]


def key_by_team(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table, tokenize in TABLES.items():
        for statement in [*dropped(table), *keyed_by_team(table, tokenize)]:
            schema_editor.execute(statement, params=None)


def key_by_project(apps, schema_editor):
    """Back to the tables of migrations 0011 and 0015."""
    if schema_editor.connection.vendor != "sqlite":
        return
    trigrams = importlib.import_module("dashboard.migrations.0011_list_indexes_and_search")
    words = importlib.import_module("dashboard.migrations.0015_search_by_whole_words")
    for table, created in (
        ("dashboard_project_fts", trigrams.SQLITE_SEARCH),
        ("dashboard_project_words", words.SQLITE_WORDS),
    ):
        for statement in [*dropped(table), *created]:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0016_gin_indexes_without_pending_list")]

    operations = [migrations.RunPython(key_by_team, key_by_project)]
