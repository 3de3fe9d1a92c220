"""The whole search pipeline, suggestions included, fuzzed with what breaks query parsers.

Queries are built from the operator words of both engines, the stop words,
near-misses of both (doubled, one letter changed, added or removed), quotes,
minus signs and `or`, against a small site whose vocabulary is full of such
near-misses, so that "Did you mean" really runs. No query may answer 5xx,
and no suggestion may show a word only unpublished articles contain.
"""

import datetime as dt
import html
import re
import string

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from search.query import OPERATOR_WORDS, STOP_WORDS, words
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

URL = reverse("search:results")
SUGGESTION_RE = re.compile(r'<p class="suggestion">Did you mean <a href="[^"]*">(.*?)</a>\?</p>', re.DOTALL)

VISIBLE = [
    ("Nothing and nowhere", "Notes on another partner, nearly there: others near these anders."),
    ("Oranges or apples", "Ordering thoughts, nor there; the andes, noting nearby notches."),
    ("Then other things", "Theirs, therefore; thee, thine, whom, whose. Andor and nor, nought and oro."),
]
HIDDEN = [
    # Near-misses of the same operators and stop words, in articles readers cannot see.
    {"title": "Andante notable nearness", "body": "Orator thereof, whence andiron.", "status": "draft"},
    {"title": "Notwithstanding andorra", "body": "Nearside ornery theism.", "status": "review"},
    {"title": "Thereupon nottingham", "body": "Ordinal andesite.", "scheduled": True},
]
ENGINE_WORDS = sorted(OPERATOR_WORDS) + ["NEAR", "AND", "OR", "NOT", "Or", "nEaR", "NEAR/2", "near/3"]
SYMBOLS = ["^", "*", ":*", "&", "|", "!", "<->", "(", ")", "+", ":", "{", "}", "'", "\\", "\u00a0", "\x00"]
SITE_WORDS = sorted({w for title, body in VISIBLE for w in words(f"{title} {body}")})
BASES = ENGINE_WORDS + sorted(STOP_WORDS) + SITE_WORDS
LETTERS = string.ascii_lowercase


@st.composite
def near_miss(draw):
    # Half the time a word of the site, so that corrections find something.
    word = draw(st.one_of(st.sampled_from(SITE_WORDS), st.sampled_from(BASES)))
    kind = draw(st.sampled_from(["same", "double", "change", "add", "remove", "upper"]))
    at = draw(st.integers(min_value=0, max_value=len(word)))
    letter = draw(st.sampled_from(LETTERS))
    if kind == "double":
        return word + word
    if kind == "change" and at < len(word):
        return word[:at] + letter + word[at + 1 :]
    if kind == "add":
        return word[:at] + letter + word[at:]
    if kind == "remove" and at < len(word):
        return word[:at] + word[at + 1 :]
    if kind == "upper":
        return word.upper()
    return word


TOKEN = st.one_of(
    near_miss(),
    near_miss(),
    st.sampled_from(ENGINE_WORDS),
    st.sampled_from(sorted(STOP_WORDS)),
    st.sampled_from(SYMBOLS),
    st.text(alphabet=LETTERS + '"-', min_size=1, max_size=6),
)
PREFIX = st.sampled_from(["", "", "", "", "", "-", '"', '-"', "--", '""'])
SUFFIX = st.sampled_from(["", "", "", "", "", '"', "-", "*", ":*"])
SEPARATOR = st.sampled_from([" ", " ", " ", " ", "  ", "-", '"', " or ", " or ", " OR ", " - ", '" "', " near "])


@st.composite
def queries(draw):
    parts = draw(st.lists(st.tuples(PREFIX, TOKEN, SUFFIX), min_size=1, max_size=5))
    separators = draw(st.lists(SEPARATOR, min_size=len(parts), max_size=len(parts)))
    return "".join(
        sep + prefix + token + suffix for sep, (prefix, token, suffix) in zip(separators, parts, strict=True)
    )


@st.composite
def typo_queries(draw):
    """One misspelt word of the site among operators, stop words and their near-misses: a suggestion is likely."""
    word = draw(st.sampled_from(SITE_WORDS))
    at = draw(st.integers(min_value=0, max_value=len(word) - 1))
    typo = word[:at] + draw(st.sampled_from(LETTERS)) + word[at + 1 :]
    noise = draw(st.lists(st.one_of(near_miss(), st.sampled_from(ENGINE_WORDS + sorted(STOP_WORDS))), max_size=3))
    parts = draw(st.permutations([typo, *noise]))
    separators = draw(st.lists(SEPARATOR, min_size=len(parts), max_size=len(parts)))
    return "".join(sep + part for sep, part in zip(separators, parts, strict=True))


@pytest.fixture
def site(db):
    for title, body in VISIBLE:
        ArticleFactory(title=title, body=body, summary="")
    for fields in HIDDEN:
        fields = dict(fields)
        if fields.pop("scheduled", False):
            fields.update(status="published", published_at=timezone.now() + dt.timedelta(days=3))
        else:
            fields["published_at"] = None
        ArticleFactory(summary="", **fields)
    return Client(raise_request_exception=False)


def hidden_only_words():
    visible = {w for title, body in VISIBLE for w in words(f"{title} {body}")}
    return {w for a in HIDDEN for w in words(f"{a['title']} {a['body']}")} - visible


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.one_of(queries(), typo_queries()))
def test_no_query_breaks_search_or_suggests_a_hidden_word(site, query):
    response = site.get(URL, {"q": query})
    assert response.status_code == 200, query
    match = SUGGESTION_RE.search(response.content.decode())
    event("a suggestion" if match else "no suggestion")
    if match:
        # Words the reader typed come back as they were; every other word is a correction.
        corrections = set(words(html.unescape(match.group(1)))) - set(words(query))
        assert not corrections & hidden_only_words(), (query, corrections)
        assert not corrections & (STOP_WORDS | OPERATOR_WORDS), (query, corrections)


@pytest.mark.parametrize(
    "query",
    ["andand", "notnot", "oror", "nearnear", "ANDAND notnot", "-andand oror", '"andand" or notnot', "andand or oror"],
)
def test_doubled_operators_and_stop_words_never_break_search(site, query):
    assert site.get(URL, {"q": query}).status_code == 200
