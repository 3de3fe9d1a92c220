"""Whatever a content file holds, import either succeeds or says why, and writes nothing then."""

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.content_file import ContentFileError, import_content
from articles.models import Article
from conditions.models import Condition

pytestmark = pytest.mark.django_db

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40),
    st.sampled_from(["published", "draft", "2024-01-01T00:00:00+00:00", "2024-02-30", "a-slug", "\x00", "ptsd"]),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = ["name", "title", "body", "status", "published_at", "conditions", "citations", "quotes",
          "related", "tags", "aliases", "reviewed_at", "author", "summary", "content_notes", "x"]  # fmt: skip
RECORD = st.fixed_dictionaries(
    {"type": st.sampled_from(["article", "condition", "other"]), "slug": st.sampled_from(["a", "b", "ptsd", "Bad"])},
    optional={name: VALUES for name in FIELDS},
)
LINE = st.one_of(RECORD.map(lambda r: json.dumps(r)), st.text(max_size=60))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINE, min_size=1, max_size=5))
def test_import_never_crashes_and_never_half_writes(lines):
    before = (Article.objects.count(), Condition.objects.count())
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    try:
        import_content(io.BytesIO(data))
    except ContentFileError as error:
        assert error.problems
        assert (Article.objects.count(), Condition.objects.count()) == before
