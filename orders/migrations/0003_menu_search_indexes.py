from django.db import migrations

MENU_DOCUMENT = "panbot_fold(name || ' ' || aliases::text || ' ' || description)"
INDEXES = [
    f"CREATE INDEX IF NOT EXISTS menuitem_search_trgm ON orders_menuitem USING gin ({MENU_DOCUMENT} gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS menuitem_search_fts ON orders_menuitem "
    f"USING gin (to_tsvector('simple'::regconfig, {MENU_DOCUMENT}))",
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # the embedded SQLite default searches in Python (panbot.search)
    for statement in INDEXES:
        schema_editor.execute(statement)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS menuitem_search_trgm")
    schema_editor.execute("DROP INDEX IF EXISTS menuitem_search_fts")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_status_change_base"),
        ("restaurants", "0003_agent_retrieval"),  # panbot_fold and the extensions
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
