"""A word index for search (see dashboard/search.py): whole ASCII words of the name."""

from django.db import migrations

SQLITE_WORDS = [
    "CREATE VIRTUAL TABLE dashboard_project_words USING fts5("
    "name, content='dashboard_project', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    """CREATE TRIGGER dashboard_project_words_insert AFTER INSERT ON dashboard_project BEGIN
      INSERT INTO dashboard_project_words (rowid, name) VALUES (NEW.id, NEW.name);
    END""",
    """CREATE TRIGGER dashboard_project_words_delete AFTER DELETE ON dashboard_project BEGIN
      INSERT INTO dashboard_project_words (dashboard_project_words, rowid, name)
      VALUES ('delete', OLD.id, OLD.name);
    END""",
    """CREATE TRIGGER dashboard_project_words_update
    AFTER UPDATE OF name ON dashboard_project WHEN OLD.name IS NOT NEW.name BEGIN
      INSERT INTO dashboard_project_words (dashboard_project_words, rowid, name)
      VALUES ('delete', OLD.id, OLD.name);
      INSERT INTO dashboard_project_words (rowid, name) VALUES (NEW.id, NEW.name);
    END""",
    "INSERT INTO dashboard_project_words (dashboard_project_words) VALUES ('rebuild')",
]
# The expression must stay the same as search.POSTGRES_WORDS, or the index goes unused.
POSTGRES_WORDS = [
    "CREATE INDEX project_name_words ON dashboard_project "
    "USING gin ((regexp_split_to_array(lower(name::text), '[^a-z0-9]+')))",
]
UNDO_WORDS = {
    "sqlite": [
        *(
            f"DROP TRIGGER IF EXISTS dashboard_project_words_{op}"
            for op in ("insert", "delete", "update")
        ),
        "DROP TABLE IF EXISTS dashboard_project_words",
    ],
    "postgresql": ["DROP INDEX IF EXISTS project_name_words"],
}


def create_words(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_WORDS, "postgresql": POSTGRES_WORDS}.get(vendor)
    if statements is None:
        raise RuntimeError(f"project search needs a word index written for {vendor}")
    for statement in statements:
        schema_editor.execute(statement, params=None)


def drop_words(apps, schema_editor):
    for statement in UNDO_WORDS.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0014_needs_attention_indexes")]

    operations = [migrations.RunPython(create_words, drop_words)]
