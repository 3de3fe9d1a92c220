"""The reader site's Jinja2 filters behave as the Django filters they replace."""

import datetime as dt

from django.template.defaultfilters import date as django_date
from django.template.defaultfilters import truncatewords as django_truncatewords
from django.template.loader import get_template
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core import templating


@override_settings(TIME_ZONE="America/New_York")
def test_dates_are_shown_in_the_site_time_zone_like_djangos_filter():
    # 03:30 UTC on March 1 is still February 29 in New York.
    value = dt.datetime(2024, 3, 1, 3, 30, tzinfo=dt.UTC)
    for fmt in ("F j, Y", "c", "Y-m-d", "F"):
        # Django's templates convert to local time before the filter runs.
        assert templating.date(value, fmt) == django_date(timezone.localtime(value), fmt)
    assert templating.date(value, "F j, Y") == "February 29, 2024"
    assert templating.date(None, "F j, Y") == ""
    assert templating.date(dt.date(2024, 2, 29), "F j, Y") == "February 29, 2024"


def test_truncatewords_matches_djangos_filter():
    text = "one two three four five six"
    assert templating.truncatewords(text, 3) == django_truncatewords(text, 3) == "one two three …"
    assert templating.truncatewords("short", 3) == "short"


def test_url_is_reverse():
    assert templating.url("articles:list") == reverse("articles:list")
    assert templating.url("articles:archive_month", 2024, 2) == reverse("articles:archive_month", args=[2024, 2])


def test_json_ld_cannot_end_its_script_element():
    html = templating.json_ld({"name": "</script><script>alert(1)</script><!-- & "})
    assert html.count("</script>") == 1 and "<!--" not in html and "&" not in html.split(">", 1)[1]


def test_templates_autoescape_and_render_missing_values_as_nothing(rf):
    page = get_template("includes/pagination.html").render(
        {"is_paginated": True, "next_page_url": '"><script>x</script>', "page_obj": {"number": 2}}, rf.get("/")
    )
    assert "<script>" not in page and "&#34;&gt;&lt;script&gt;" in page
    assert 'rel="prev"' not in page  # previous_page_url is missing: nothing, not an error
