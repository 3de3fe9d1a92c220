"""The JSON Lines content file: IntimacyHub's one interchange format.

The contract is docs/CONTENT_FORMAT.md (content format version 2, which the
benchmark corpora share; it says what this package adds). Import is all or nothing: every line is
validated, cross-references included, before anything is written, and the
writes happen in one transaction. Import is idempotent: records are matched
by slug, and an article whose content equals what is stored is not touched.
Export writes records in a canonical form (fields in the contract's order,
empty optional fields left out, datetimes in UTC), so export, import into an
empty database, export again gives the same bytes.

The modules, each depending only on those above it:

- `schema`: the record types and their fields in the contract's order, the
  limits (the models' max_length where a field is stored in one), the
  canonical record, and `Problem`, `ContentFileError`, `ImportResult`.
- `media`: the `image` records: checked, their originals read from the media
  folder and stored through the image library; export's media folder.
- `validate`: `parse()`, every line of the file checked on its own.
- `references`: the checks against the site (named conditions and articles
  exist, an address is one article's).
- `exporter`: `export()`, `export_snapshot()` and the records of stored rows.
- `render_pool`: the import's Markdown rendering, in worker processes when
  the import is large.
- `shared_rows`: the tags and quotes articles share, found or created.
- `importer`: `import_content()`, the writes.

The names below are the public ones; import them from here. A test that
patches one patches it where it is used, in its module (e.g.
`articles.content_file.exporter.condition_record`).
"""

from articles.content_file.exporter import (
    article_record,
    condition_record,
    dumps,
    export,
    export_queryset,
    export_snapshot,
)
from articles.content_file.importer import import_content
from articles.content_file.schema import (
    ARTICLE_FIELDS,
    CITATION_FIELDS,
    CONDITION_FIELDS,
    QUOTE_FIELDS,
    ContentFileError,
    ImportResult,
    Problem,
)
from articles.content_file.validate import parse

__all__ = [
    "ARTICLE_FIELDS",
    "CITATION_FIELDS",
    "CONDITION_FIELDS",
    "QUOTE_FIELDS",
    "ContentFileError",
    "ImportResult",
    "Problem",
    "article_record",
    "condition_record",
    "dumps",
    "export",
    "export_queryset",
    "export_snapshot",
    "import_content",
    "parse",
]
