"""The article and person forms: optimistic locking and validation with clear messages."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from articles import services
from articles.editorial_checks import check_document, document_from_form
from articles.models import EDITORIAL_FIELDS, WORDS_PER_MINUTE, Article, Correction, Person
from articles.services.checks import check_gate, gate_state
from core.forms import UnixNewlinesForm


def conflict_message(conflict):
    """Return the HTML explaining a refused save: who saved, and what they changed."""
    current = conflict.current
    who = conflict.saved_by.get_username() if conflict.saved_by else "Someone else"
    when = timezone.localtime(current.modified).strftime("%Y-%m-%d %H:%M")
    if conflict.changes:
        items = format_html_join(
            "",
            "<li><strong>{}</strong>: {}</li>",
            (
                (
                    change.label,
                    format_html("<pre class='conflict-diff'>{}</pre>", "\n".join(change.diff))
                    if change.diff
                    else format_html("“{}” → “{}”", change.before, change.after),
                )
                for change in conflict.changes
            ),
        )
        changed = format_html("They changed:<ul>{}</ul>", items)
    else:
        changed = format_html(
            "Their version is on <a href='{}' target='_blank' rel='noopener'>the site preview</a>.",
            current.get_absolute_url(),
        )
    return format_html(
        "Not saved: {} saved this article at {} while you were editing (version {} is now {}). {} "
        "Your edits are still in the form below. Bring their changes into yours, or save again to "
        "replace their version with yours.",
        who,
        when,
        conflict.expected_version,
        current.version,
        changed,
    )


class ArticleAdminForm(UnixNewlinesForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Not fields of the article: what this save is, for the public log (services.article_save).
    change_kind = forms.ChoiceField(
        label="Kind of change",
        choices=[(services.MINOR, "Minor (typo, wording, layout): not logged")],
        initial=services.MINOR,
        required=False,
        help_text="A correction, clarification or clinical update is shown to readers with its note and date, "
        "on the article and on /corrections/, and moves the article's “updated” date. It cannot be edited or "
        "removed afterwards.",
    )
    change_note = forms.CharField(
        label="Public note",
        required=False,
        max_length=Correction.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What changed and why, for readers, e.g. “We gave the wrong dose of sertraline; it is 50 mg.”",
    )

    user = None  # set per request by ArticleAdmin.get_form

    class Meta:
        model = Article
        fields = list(EDITORIAL_FIELDS)
        error_messages = {
            "slug": {"unique": "Another article already uses this slug. Choose a different one."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Without it a save could not be checked against someone else's.
            self.fields["expected_version"].initial = self.instance.version
            self.fields["expected_version"].required = True
        if "body" in self.fields:
            # static/js/article-writing.js counts the body's words and reading time as the site does.
            self.fields["body"].widget.attrs["data-words-per-minute"] = WORDS_PER_MINUTE
            self.fields["body"].help_text += " Tab moves to the next field; Ctrl+] and Ctrl+[ indent."
        if "published_at" in self.fields and hasattr(self.fields["published_at"].widget, "widgets"):
            # The admin's date and time boxes share one label that points at neither.
            date, time = self.fields["published_at"].widget.widgets
            date.attrs["aria-label"], time.attrs["aria-label"] = "Publication date", "Publication time"
        kinds = services.kinds_for(self.user, self.instance) if self.user is not None else [services.MINOR]
        if kinds == [services.MINOR]:
            # Nothing this person may log here (a draft, a Writer): the question is not asked,
            # and a forged answer is not read.
            del self.fields["change_kind"], self.fields["change_note"]
        else:
            labels = dict(Correction.Kind.choices)
            self.fields["change_kind"].choices += [(kind, labels[kind]) for kind in kinds[1:]]
        if "status" in self.fields and self.user is not None and not services.can_publish(self.user):
            # A Writer's choices; a forged "published" fails validation as an invalid choice.
            self.fields["status"].choices = [
                (value, label) for value, label in Article.Status.choices if value != Article.Status.PUBLISHED
            ]

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        try:
            services.check_slug_available(slug=slug, article=self.instance if self.instance.pk else None)
        except ValidationError as exc:
            if exc.code != "slug_taken":  # the unique check says that one
                raise
        return slug

    def clean_disclosure(self):
        # Blank is "not declared" (NULL), never an empty declaration.
        disclosure = (self.cleaned_data.get("disclosure") or "").strip()
        return disclosure or None

    def _check_rules(self, cleaned):
        """Say in the form what the services would refuse: the disclosure gate and the change's log entry."""
        if self.user is None:
            return
        stored = Article.objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        proposed = Article(
            status=cleaned.get("status", self.instance.status),
            disclosure=cleaned["disclosure"] if "disclosure" in cleaned else self.instance.disclosure,
        )
        try:
            services.check_disclosed(self.user, stored, proposed)
        except PermissionDenied as exc:
            self.add_error("disclosure" if "disclosure" in self.fields else None, str(exc))
        kind = cleaned.get("change_kind") or services.MINOR
        if kind != services.MINOR and stored is not None:
            changed = {name for name in ("reviewed_at",) if name in cleaned and cleaned[name] != getattr(stored, name)}
            try:
                services.check_may_log(self.user, stored, changed, kind, cleaned.get("change_note") or "")
            except PermissionDenied as exc:
                self.add_error("change_kind", str(exc))
            except ValidationError as exc:
                self.add_error("change_note" if exc.code == "change_note" else "change_kind", exc.messages[0])

    def clean(self):
        cleaned = super().clean()
        self._check_rules(cleaned)
        status = cleaned.get("status", self.instance.status)
        published_at = cleaned.get("published_at", self.instance.published_at)
        if status == Article.Status.PUBLISHED and not published_at and "published_at" not in self.errors:
            self.add_error(
                "published_at" if "published_at" in self.fields else None,
                "A published article needs a publication date: set one (a future date schedules it), "
                "or save as draft and use the “Publish now” action.",
            )
        if self.instance.pk:
            expected = cleaned.get("expected_version")
            current = Article.objects.filter(pk=self.instance.pk).first()
            if current is not None and expected is not None and current.version != expected:
                conflict = services.ArticleConflict(current=current, expected_version=expected)
                # The form now carries the current version: a second, deliberate save wins.
                self.data = self.data.copy()
                self.data[self.add_prefix("expected_version")] = current.version
                raise ValidationError(conflict_message(conflict), code="conflict")
        self._check_publish_gate(cleaned)
        return cleaned

    def _check_publish_gate(self, cleaned):
        """The services' publish gate, asked first on the unsaved form (with its inlines): the text stays."""
        status = cleaned.get("status", self.instance.status)
        if status != Article.Status.PUBLISHED or self.errors:
            return
        stored = Article.objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        document = document_from_form(self.data, stored)
        checked = check_document(document, stored.check_overrides.all() if stored else ())
        published_at = cleaned.get("published_at", self.instance.published_at)
        try:
            check_gate(gate_state(stored), status=status, published_at=published_at, checked=checked)
        except services.BlockingFindings as refused:
            raise ValidationError(str(refused), code="blocking_findings") from refused


class LinksField(forms.CharField):
    """A list of web addresses, typed one per line (the model's validator checks each)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class PersonAdminForm(UnixNewlinesForm, forms.ModelForm):
    links = LinksField(
        required=False, help_text="Profile pages (practice site, ORCID, ...): one http(s) address a line."
    )

    class Meta:
        model = Person
        fields = [
            "name", "slug", "credentials", "job_title", "photo", "bio", "links",
            "is_reviewer", "licence_type", "licence_jurisdiction", "licence_number", "licence_verified_at",
        ]  # fmt: skip
