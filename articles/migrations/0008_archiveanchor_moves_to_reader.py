"""The archive anchors are the reader app's now (reader 0001 takes them, table and rows as they are)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_reserved_addresses_and_owner"), ("reader", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ArchiveAnchor")],
            database_operations=[],
        ),
    ]
