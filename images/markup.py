"""How pages show an image: one Jinja macro (templates/jinja2/includes/picture.html) everywhere.

The macro reads `Image.picture` (images/pictures.py), built from the image's row alone (its
`renditions_data`): URLs from the storage API, dimensions as stored. Nothing
here opens a file or calls Pillow, so a reader's request never does.
"""

from django.template import engines
from markupsafe import Markup

from images.models import Image
from images.pictures import url

MACROS = "includes/picture.html"
# Texts (bodies, notes) sit in the reading column: at most about 40em wide.
PROSE_SIZES = "(min-width: 46em) 40em, 100vw"


def card(image):
    """Return the social card of `image` as {"url", "width", "height"}, or None."""
    found = image.picture.card if image is not None else None
    if not found:
        return None
    return {"url": url(found["name"]), "width": found["width"], "height": found["height"]}


def _macro(name):
    return getattr(engines["jinja2"].env.get_template(MACROS).module, name)


def picture_html(image, *, sizes, alt=None, eager=False):
    """Return the responsive markup of `image` (the macro's): `alt` replaces its own when given and not empty."""
    return Markup(_macro("picture")(image, sizes=sizes, alt=alt, eager=eager))


def resolve_reference(slug, alt):
    """Render `![alt](image:SLUG)` for the renderer (core/rendering.py); None when no image has that slug."""
    image = Image.objects.filter(slug=slug).first()
    if image is None:
        return None
    return str(picture_html(image, sizes=PROSE_SIZES, alt=alt or None))
