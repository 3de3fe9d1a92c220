from django import template
from django.conf import settings

from articles.dashboard import desk_for
from articles.models import Article, Person
from articles.roles import articles_visible_to

register = template.Library()


@register.inclusion_tag("admin/articles/review_counts.html", takes_context=True)
def review_counts(context):
    """Show the editors how many articles were never clinically reviewed or are overdue."""
    request = context["request"]
    if not request.user.has_perm("articles.view_article"):
        return {"show": False}
    overdue = articles_visible_to(request.user, Article.objects.review_overdue())
    return {
        "show": True,
        "never": overdue.filter(reviewed_at__isnull=True).count(),
        "overdue": overdue.filter(reviewed_at__isnull=False).count(),
    }


@register.inclusion_tag("admin/articles/licence_counts.html", takes_context=True)
def licence_counts(context):
    """Show the editors how many reviewers' licences were never verified or not verified recently."""
    request = context["request"]
    if not request.user.has_perm("articles.change_person"):
        return {"show": False}
    due = Person.objects.licence_unverified()
    return {
        "show": True,
        "never": due.filter(licence_verified_at__isnull=True).count(),
        "stale": due.filter(licence_verified_at__isnull=False).count(),
        "months": settings.INTIMACYHUB_LICENCE_VERIFY_MONTHS,
    }


@register.inclusion_tag("admin/articles/dashboard.html", takes_context=True)
def dashboard(context):
    """Show the signed-in person's desk: their drafts, reviews, the week's schedule, what needs attention."""
    user = context["request"].user
    if not user.has_perm("articles.view_article"):
        return {"panels": []}
    return {"panels": desk_for(user)}
