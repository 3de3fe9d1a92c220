"""schema.org JSON-LD for article pages, so search engines read who wrote,
reviewed and sourced a page. Rendered by the `json_ld` filter, which escapes
it for a script element."""

from html import unescape

from django.utils.html import strip_tags

from images.markup import card


def _person(name, url=None, credentials=""):
    person = {"@type": "Person", "name": name}
    if url:
        person["url"] = url
    if credentials:
        person["honorificSuffix"] = credentials
    return person


def person_json_ld(person, *, url):
    """Return the JSON-LD for a person's page: who they are, in schema.org's terms.

    Public facts only: the licence (its number above all) is staff data.
    """
    data = {"@context": "https://schema.org", "@type": "Person", "name": person.name, "url": url}
    if person.credentials:
        data["honorificSuffix"] = person.credentials
    if person.job_title:
        data["jobTitle"] = person.job_title
    if description := strip_tags(person.bio_html).strip():
        data["description"] = unescape(description)
    if links := person.public_links:
        data["sameAs"] = links
    return data


def _citation(citation):
    work = {"@type": "CreativeWork", "name": citation.title or citation.source}
    if citation.title:
        work["publisher"] = {"@type": "Organization", "name": citation.source}
    if citation.url:
        work["url"] = citation.url
    if citation.published:
        work["datePublished"] = citation.published
    return work


def social_image(article, request):
    """Return the article's link-preview card ({url, width, height, alt}, absolute URL) from its cover, or None."""
    found = card(article.cover) if article.cover_id else None
    if found is None:
        return None
    return {**found, "url": request.build_absolute_uri(found["url"]), "alt": article.cover.text_alternative}


def article_json_ld(article, *, url, request, citations, condition_links, corrections=(), image=None):
    """Return the JSON-LD for an article page: an Article, inside a
    MedicalWebPage with lastReviewed when clinically reviewed, and reviewedBy
    only while that review is current (Article.review_current()).

    `citations`, `condition_links` and `corrections` (its log, newest first)
    are the article's, already loaded; `image` its social card (social_image()).
    """
    data = {
        "@type": "Article",
        "headline": article.title,
        "description": article.summary,
        "url": url,
        "mainEntityOfPage": url,
    }
    if article.published_at:
        data["datePublished"] = article.published_at.isoformat()
        data["dateModified"] = (article.updated_at or article.published_at).isoformat()
    if image:
        data["image"] = {
            "@type": "ImageObject",
            "url": image["url"],
            "width": image["width"],
            "height": image["height"],
        }
    if article.author:
        data["author"] = _person(
            article.author.name,
            request.build_absolute_uri(article.author.get_absolute_url()),
            article.author.credentials,
        )
    citations = [_citation(c) for c in citations]
    if citations:
        data["citation"] = citations
    about = [
        {
            "@type": "MedicalCondition",
            "name": link.condition.name,
            "url": request.build_absolute_uri(link.condition.get_absolute_url()),
        }
        for link in condition_links
    ]
    if about:
        data["about"] = about
    if corrections:
        data["correction"] = [
            {"@type": "CorrectionComment", "text": c.note, "datePublished": c.at.isoformat()} for c in corrections
        ]
    if article.reviewed_by_id is None and article.reviewed_at is None:
        return {"@context": "https://schema.org", **data}
    page = {"@context": "https://schema.org", "@type": "MedicalWebPage", "url": url, "name": article.title}
    if article.review_current():
        reviewer = article.reviewed_by
        page["reviewedBy"] = _person(reviewer.name, request.build_absolute_uri(reviewer.get_absolute_url()))
        if reviewer.credentials:
            page["reviewedBy"]["honorificSuffix"] = reviewer.credentials
    page["mainEntity"] = data
    if article.reviewed_at:
        page["lastReviewed"] = article.reviewed_at.isoformat()
    return page
