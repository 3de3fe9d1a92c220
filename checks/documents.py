"""What the checks read and what they report: a Document of fields, and Findings in it.

Imports no app.
"""

import re
from dataclasses import dataclass, field

# "citation:<n>:key" / "citation:<n>:url": a finding in a citation's key or address.
CITATION_FIELD_RE = re.compile(r"citation:(\d+):(key|url)")


@dataclass(frozen=True)
class Citation:
    key: str = ""
    url: str = ""
    excerpt: str = ""


@dataclass(frozen=True)
class Document:
    fields: dict  # field name -> source text, in the order findings are listed
    content_notes: tuple = ()
    citations: tuple = ()  # Citation, in reference order
    images: dict = field(default_factory=dict)  # library image slug -> its own alt text ("" if decorative)

    def source(self, name):
        """Return the source text a finding's offsets point into."""
        match = CITATION_FIELD_RE.fullmatch(name)
        if match:
            citation = self.citations[int(match[1]) - 1]
            return getattr(citation, match[2])
        return self.fields[name]


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    field: str
    start: int
    end: int
    text: str
    message: str
    guideline_name: str
    guideline_url: str

    def as_dict(self):
        return {
            "rule": self.rule,
            "severity": self.severity,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "message": self.message,
            "guideline": self.guideline_url,
            "guideline_name": self.guideline_name,
        }
