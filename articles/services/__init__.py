"""Every editorial write to articles, and the rules it keeps, by concern.

The admin (its form, actions, restores and recoveries) writes only through
these functions, so the rules hold on every path.

The modules, each depending only on those above it:

- `policy`: the role rules, who may do what (`can_publish`, `can_review`,
  `can_edit_content`); the admin asks them what to show, the writes ask
  them again before writing.
- `history`: the revisions (django-reversion): who saved last, what changed
  since an edit started or between two revisions, the baseline revision of
  an article that has none, the parts a restore puts back.
- `checks`: the editorial checks in the write path: the publish gate
  (`BlockingFindings`), overrides (`check_override_record`) and the
  findings' counts stored on each article.
- `autosave`: an editor's unsaved text, kept for them alone
  (`autosave_store`, `autosave_for`, `autosave_discard`); never a write
  to the article.
- `writes`: the writes themselves (`article_save`, `article_publish`,
  `article_delete`, `article_restore`…), each checking the roles, taking the
  optimistic lock on `Article.version` and recording a revision; and the
  rule that an address readers have seen stays reserved.

The names below are the public ones; import them from here. A test that
patches one patches it where it is used, in its module (e.g.
`articles.services.writes.record_baseline`).
"""

from articles.services.autosave import (
    AUTOSAVE_FIELDS,
    autosave_discard,
    autosave_for,
    autosave_purge,
    autosave_store,
    check_may_autosave,
)
from articles.services.checks import (
    BlockingFindings,
    blocking_message,
    can_override,
    check_override_record,
    finding_warning,
    overridden_digests,
    refresh_check_counts,
    report_findings,
    set_check_counts,
)
from articles.services.history import (
    ARTICLE_PARTS,
    CHILD_MODELS,
    CONTENT_FIELDS,
    FIELD_LABELS,
    PART_LABELS,
    FieldChange,
    changes_from_now,
    changes_since,
    field_changes,
    history_queryset,
    last_saved_by,
    part_changes,
    parts_in_revision,
    record_baseline,
    revision_changes,
    stored_parts,
    versions_of,
)
from articles.services.policy import (
    MINOR,
    PUBLISH_REFUSED,
    REVIEW_FIELDS,
    can_edit_content,
    can_publish,
    can_review,
    check_disclosed,
    check_may_log,
    has_disclosure,
    kinds_for,
)
from articles.services.writes import (
    ArticleConflict,
    article_delete,
    article_publish,
    article_recover,
    article_render,
    article_restore,
    article_rotate_preview_token,
    article_save,
    article_send_to_review,
    article_unpublish,
    check_slug_available,
    describe_address_owner,
)

__all__ = [
    "ARTICLE_PARTS",
    "AUTOSAVE_FIELDS",
    "CHILD_MODELS",
    "CONTENT_FIELDS",
    "FIELD_LABELS",
    "PART_LABELS",
    "PUBLISH_REFUSED",
    "REVIEW_FIELDS",
    "ArticleConflict",
    "BlockingFindings",
    "FieldChange",
    "MINOR",
    "article_delete",
    "article_publish",
    "article_recover",
    "article_render",
    "article_restore",
    "article_rotate_preview_token",
    "article_save",
    "article_send_to_review",
    "article_unpublish",
    "autosave_discard",
    "autosave_for",
    "autosave_purge",
    "autosave_store",
    "blocking_message",
    "can_override",
    "check_override_record",
    "finding_warning",
    "overridden_digests",
    "can_edit_content",
    "can_publish",
    "can_review",
    "changes_from_now",
    "changes_since",
    "check_disclosed",
    "check_may_autosave",
    "check_may_log",
    "check_slug_available",
    "describe_address_owner",
    "field_changes",
    "has_disclosure",
    "history_queryset",
    "kinds_for",
    "last_saved_by",
    "part_changes",
    "parts_in_revision",
    "record_baseline",
    "refresh_check_counts",
    "report_findings",
    "set_check_counts",
    "revision_changes",
    "stored_parts",
    "versions_of",
]
