"""`manage.py check_content`, the Article adapter and the demo article (issue 15)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from articles.editorial_checks import PREFETCH, document_for_article
from articles.models import Article
from tests.factories import (
    ArticleConditionFactory,
    ArticleFactory,
    ArticleQuoteFactory,
    CitationFactory,
    ConditionFactory,
    QuoteFactory,
)

pytestmark = pytest.mark.django_db
KEYS = ["article", "rule", "severity", "field", "start", "end", "text", "message", "guideline"]


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("check_content", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exit:
        status = exit.code
    return status, out.getvalue(), err.getvalue()


def json_lines(output):
    return [json.loads(line) for line in output.splitlines()]


def test_the_adapter_names_every_field_as_the_issue_specifies():
    article = ArticleFactory(title="Title", summary="Summary", body="Body.[^a]", content_notes=["trauma"])
    CitationFactory(article=article, key="a", url="http://example.org/a", excerpt="An excerpt.")
    ArticleConditionFactory(article=article, condition=ConditionFactory(slug="ptsd"), note="A note.", position=0)
    ArticleConditionFactory(article=article, condition=ConditionFactory(slug="empty"), note="", position=1)
    ArticleQuoteFactory(article=article, quote=QuoteFactory(text="First quote."), position=0)
    ArticleQuoteFactory(article=article, quote=QuoteFactory(text="Second quote."), position=1)
    document = document_for_article(Article.objects.prefetch_related(*PREFETCH).get(pk=article.pk))
    assert document.fields == {
        "title": "Title",
        "summary": "Summary",
        "body": "Body.[^a]",
        "note:ptsd": "A note.",
        "quote:1": "First quote.",
        "quote:2": "Second quote.",
    }
    assert document.content_notes == ("trauma",)
    assert [(c.key, c.url, c.excerpt) for c in document.citations] == [("a", "http://example.org/a", "An excerpt.")]


def test_checking_many_articles_takes_a_fixed_number_of_queries(django_assert_num_queries):
    for n in range(3):
        article = ArticleFactory(slug=f"many-{n}")
        ArticleConditionFactory(article=article)
        ArticleQuoteFactory(article=article)
        CitationFactory(article=article)
    with django_assert_num_queries(4):  # articles, citations, condition notes, quotes
        assert run("--format", "json")[0] == 0


def test_json_lines_carry_exactly_the_issues_keys_and_exit_1_on_a_blocking_finding():
    ArticleFactory(slug="bad", title="Why he committed suicide", body="My ex was a psycho.")
    ArticleFactory(slug="fine", body="Talk to someone you trust.")
    status, out, _err = run("--format", "json")
    assert status == 1
    lines = json_lines(out)
    assert all(list(line) == KEYS for line in lines)
    assert {line["article"] for line in lines} == {"bad"}
    committed = next(line for line in lines if line["rule"] == "safe-messaging/committed-suicide")
    assert committed == {
        "article": "bad",
        "rule": "safe-messaging/committed-suicide",
        "severity": "block",
        "field": "title",
        "start": 7,
        "end": 24,
        "text": "committed suicide",
        "message": committed["message"],
        "guideline": "https://afsp.org/safereporting/",
    }
    assert "died by suicide" in committed["message"]
    psycho = next(line for line in lines if line["rule"] == "language/derogatory-term")
    assert (psycho["field"], psycho["start"], psycho["end"], psycho["text"]) == ("body", 12, 18, "psycho")


def test_exit_status_is_0_without_blocking_findings_and_slugs_choose_articles():
    ArticleFactory(slug="bad", title="Why he committed suicide")
    ArticleFactory(slug="warned", body="She suffers from anxiety.")
    status, out, _err = run("warned", "--format", "json")
    assert status == 0
    assert {line["article"] for line in json_lines(out)} == {"warned"}


def test_status_filters_articles():
    ArticleFactory(slug="draft-bad", title="He committed suicide", status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(slug="published-fine")
    assert run("--status", "published", "--format", "json") == (0, "", "")
    status, out, _err = run("--status", "draft", "--format", "json")
    assert status == 1 and {line["article"] for line in json_lines(out)} == {"draft-bad"}


def test_an_unknown_slug_is_a_clear_error():
    ArticleFactory(slug="real")
    with pytest.raises(CommandError, match="No article with the slug\\(s\\): ghost"):
        call_command("check_content", "real", "ghost", stdout=io.StringIO(), stderr=io.StringIO())


def test_text_format_names_article_field_offsets_rule_and_guideline():
    ArticleFactory(slug="warned", body="She suffers from anxiety.")
    status, out, err = run("warned")
    assert status == 0
    assert "warned: body 4-16: warn: language/suffers-from: “suffers from”:" in out
    assert "https://www.apstylebook.com/" in out
    assert "1 article(s) checked" in err and "0 blocking publication" in err


def test_the_demo_article_has_no_blocking_finding():
    call_command("load_demo", stdout=io.StringIO())
    status, out, _err = run("--format", "json")
    lines = json_lines(out)
    assert status == 0
    assert not [line for line in lines if line["severity"] == "block"]
    assert lines  # it is checked: warnings and notes remain (see the report)
