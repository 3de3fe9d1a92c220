"""schema.org JSON-LD for article pages, so search engines read who wrote,
reviewed and sourced a page. Rendered by the `json_ld` filter, which escapes
it for a script element."""


def _person(name, url=None):
    person = {"@type": "Person", "name": name}
    if url:
        person["url"] = url
    return person


def _citation(citation):
    work = {"@type": "CreativeWork", "name": citation.title or citation.source}
    if citation.title:
        work["publisher"] = {"@type": "Organization", "name": citation.source}
    if citation.url:
        work["url"] = citation.url
    if citation.published:
        work["datePublished"] = citation.published
    return work


def article_json_ld(article, *, url, request, citations, condition_links, corrections=()):
    """Return the JSON-LD for an article page: an Article, inside a
    MedicalWebPage with reviewedBy and lastReviewed when clinically reviewed.

    `citations`, `condition_links` and `corrections` (its log, newest first)
    are the article's, already loaded.
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
    if article.author:
        data["author"] = _person(article.author.name, request.build_absolute_uri(article.author.get_absolute_url()))
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
    if not article.reviewed_by:
        return {"@context": "https://schema.org", **data}
    page = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "url": url,
        "name": article.title,
        "reviewedBy": _person(article.reviewed_by),
        "mainEntity": data,
    }
    if article.reviewed_at:
        page["lastReviewed"] = article.reviewed_at.isoformat()
    return page
