"""Conditions as users of library images: a condition body may reference one by `image:SLUG`."""

from conditions.models import Condition
from images import signals
from images.validation import references


def used_by(sender, *, image, **kwargs):
    named = Condition.objects.filter(body__contains=references(image.slug)).values_list("name", flat=True)
    return [("condition", name) for name in named]


def render_again(sender, *, image, **kwargs):
    for condition in Condition.objects.filter(body__contains=references(image.slug)):
        condition.save(update_fields=["body_html"])  # save() renders the body; the save starts a new generation


def connect():
    signals.usage_requested.connect(used_by, dispatch_uid="conditions-image-usage")
    signals.image_changed.connect(render_again, dispatch_uid="conditions-image-changed")
