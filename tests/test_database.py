import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_the_postgresql_run_really_uses_postgresql_15_or_newer():
    assert connection.vendor == "postgresql"
    assert connection.pg_version >= 150000


@pytest.mark.postgres
def test_slug_format_is_enforced_by_postgresql_itself():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO conditions_condition (slug, name, aliases, summary, body, body_html, created, modified)"
            " VALUES ('Bad Slug', 'x', '[]', '', '', '', now(), now())"
        )
