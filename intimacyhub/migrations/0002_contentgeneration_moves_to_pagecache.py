"""The content generation is the page cache app's now (pagecache 0001 takes it, table and rows as they are)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("intimacyhub", "0001_initial"), ("pagecache", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ContentGeneration")],
            database_operations=[],
        ),
    ]
