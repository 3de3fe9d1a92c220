import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe

register = template.Library()

# Inside <script>, HTML does not end at quotes but at "</script" (and "<!--"
# changes parsing), so no "<", ">" or "&" may survive. JSON allows writing any
# character as \uXXXX, so the data is unchanged for the reader of the JSON.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter(is_safe=True)
def json_ld(value):
    """Render `value` as a JSON-LD data block that no text inside can break out of."""
    payload = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308 (escaped above)
