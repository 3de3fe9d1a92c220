"""The Jinja2 environment of the reader site's templates (templates/jinja2/).

Why Jinja2 for the pages readers see: it compiles a template to Python
code, where Django's template language interprets a node tree on every
render. On the article page that was most of the time a request spent in
Python (see the README's Performance section). The admin keeps Django's
templates, as the admin requires.

Autoescaping is on, as in Django's templates: a value is escaped unless it
is marked safe (the stored, sanitized HTML of article bodies and notes).
Missing variables render as nothing, as in Django's templates.
"""

import datetime as dt
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.utils import dateformat, timezone
from django.utils.dates import MONTHS
from django.utils.text import Truncator
from jinja2 import Environment, Undefined
from markupsafe import Markup

from core.links import url

# Inside <script>, HTML does not end at quotes but at "</script" (and "<!--"
# changes parsing), so no "<", ">" or "&" may survive. JSON allows writing any
# character as \uXXXX, so the data is unchanged for the reader of the JSON.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld(value):
    """Render `value` as a JSON-LD data block that no text inside can break out of."""
    payload = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return Markup(f'<script type="application/ld+json">{payload}</script>')  # noqa: S704 (escaped above)


def date(value, format_string="N j, Y"):
    """Django's `date` filter: the value in the site's time zone, in Django's date format syntax."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if format_string == "c":
        return value.isoformat()
    if format_string == "F j, Y":  # the site's date format: the same, minus the format parser
        return f"{MONTHS[value.month]} {value.day}, {value.year}"
    return dateformat.format(value, format_string)


def truncatewords(value, count):
    return Truncator(value).words(count, truncate=" …")


def pluralize(count, suffix="s"):
    return "" if count == 1 else suffix


def environment(**options):
    options["undefined"] = Undefined
    env = Environment(**options)
    env.globals.update(url=url, static=static)
    env.filters.update(date=date, truncatewords=truncatewords, pluralize=pluralize, json_ld=json_ld)
    return env
