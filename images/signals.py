"""What the images app asks of the apps that use images, which it never imports.

`usage_requested` is sent with `image`; each receiver returns a list of
(kind, label) pairs naming what uses it ("article", "Living with anxiety").
`image_changed` is sent with `image` after its text alternative, caption or
renditions changed: texts that reference it by `image:` store rendered HTML
and must be rendered again (articles and conditions receive it).
"""

from django.dispatch import Signal

usage_requested = Signal()
image_changed = Signal()


def usages(image):
    """Return every (kind, label) that uses `image`, from every app that uses images."""
    found = []
    for _receiver, result in usage_requested.send(sender=__name__, image=image):
        found.extend(result or ())
    return found
