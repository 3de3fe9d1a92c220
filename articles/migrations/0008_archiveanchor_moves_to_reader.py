"""The archive anchors are the reader app's now (reader 0001 takes them, table and rows as they are).

The model leaves articles' state first and reader 0001, which depends on this,
takes it: no foreign key points at it, and so articles depends on no later app.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_reserved_addresses_and_owner")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ArchiveAnchor")],
            database_operations=[],
        ),
    ]
