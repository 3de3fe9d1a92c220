"""The site's icon set, from one picture: the project's own, or a site's.

The project's icon is one shape (a low sun over two hills in the site's
colours, like the default social card) given as coordinates, written out as
the SVG icon and drawn with Pillow for the raster sizes, so the two stay the
same picture. Pillow cannot read SVG: a site replacing the icon gives a
square PNG (at least 512 px), and its SVG if it has one. Everything is
deterministic: the same source and the same Pillow give the same bytes.
Made for the project and dedicated to the public domain (CC0 1.0), as
static/img/LICENSE.md says.
"""

import base64
import io
import math
from xml.etree import ElementTree

from PIL import Image, ImageDraw

from core import icons

VIEWBOX = 64
CORNER = 14  # the rounded square's radius, in viewBox units
SKY = (0x1D, 0x5B, 0x79)  # --accent
SUN = (0xFD, 0xEC, 0xC8)  # the social card's sun
FAR_HILL = (0x8C, 0xC8, 0xE6)  # --accent in the dark scheme
NEAR_HILL = (0xE8, 0xF1, 0xF5)  # --accent-bg
SUN_CIRCLE = (40, 24, 11)  # centre x, centre y, radius
MIN_SOURCE = 512
SUPERSAMPLE = 4


class IconSourceError(ValueError):
    """A site's icon source cannot make the set; the message says why and what to give instead."""


def _hill(base, amplitude, wavelength, phase):
    top = [(x, round(base + amplitude * math.sin(x / wavelength + phase), 2)) for x in range(0, VIEWBOX + 1, 2)]
    return [(0, VIEWBOX), *top, (VIEWBOX, VIEWBOX)]


HILLS = (
    (FAR_HILL, _hill(44, 4, 9, 0.5)),
    (NEAR_HILL, _hill(51, 3, 7, 2.0)),
)


def _hex(colour):
    return "#{:02x}{:02x}{:02x}".format(*colour)


def svg():
    """The project's icon as SVG text."""
    cx, cy, r = SUN_CIRCLE
    hills = "".join(
        f'<polygon fill="{_hex(colour)}" points="{" ".join(f"{x:g},{y:g}" for x, y in points)}"/>'
        for colour, points in HILLS
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {VIEWBOX} {VIEWBOX}">'
        f'<clipPath id="c"><rect width="{VIEWBOX}" height="{VIEWBOX}" rx="{CORNER}"/></clipPath>'
        f'<g clip-path="url(#c)"><rect width="{VIEWBOX}" height="{VIEWBOX}" fill="{_hex(SKY)}"/>'
        f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{_hex(SUN)}"/>{hills}</g></svg>\n'
    )


def draw(size, *, rounded=True):
    """The project's icon, `size` pixels square, RGBA: transparent outside the rounded square when `rounded`."""
    big = size * SUPERSAMPLE
    scale = big / VIEWBOX
    scene = Image.new("RGB", (big, big), SKY)
    pen = ImageDraw.Draw(scene)
    cx, cy, r = (v * scale for v in SUN_CIRCLE)
    pen.ellipse((cx - r, cy - r, cx + r, cy + r), fill=SUN)
    for colour, points in HILLS:
        pen.polygon([(x * scale, y * scale) for x, y in points], fill=colour)
    mask = Image.new("L", (big, big), 0 if rounded else 255)
    if rounded:
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, big - 1, big - 1), radius=CORNER * scale, fill=255)
    scene.putalpha(mask)
    return scene.resize((size, size), Image.Resampling.LANCZOS)


def _png(picture):
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()


def _opaque(picture):
    # iOS fills transparency with black and rounds the corners itself: give it a full square on the page colour.
    ground = Image.new("RGBA", picture.size, icons.BACKGROUND_COLOUR)
    return Image.alpha_composite(ground, picture.convert("RGBA")).convert("RGB")


def _from_source(source):
    """Open a site's PNG as a square RGBA picture, refusing what would make blurry or broken icons."""
    try:
        with Image.open(io.BytesIO(source)) as opened:
            if opened.format != "PNG":
                raise IconSourceError(f"the icon source must be a PNG (Pillow cannot draw SVG); got {opened.format}.")
            picture = opened.convert("RGBA")
    except (OSError, Image.DecompressionBombError) as exc:
        raise IconSourceError(f"the icon source is not an image Pillow can read: {exc}") from None
    width, height = picture.size
    if min(width, height) < MIN_SOURCE:
        raise IconSourceError(
            f"the icon source is {width}x{height}: give one at least {MIN_SOURCE}x{MIN_SOURCE} px, "
            "so no icon is enlarged."
        )
    if width != height:  # centred on a transparent square, never cropped
        square = Image.new("RGBA", (max(width, height),) * 2, (0, 0, 0, 0))
        square.paste(picture, ((square.width - width) // 2, (square.height - height) // 2))
        picture = square
    return picture


def _check_svg(text):
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise IconSourceError(f"the SVG icon is not well-formed XML: {exc}") from None
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        raise IconSourceError("the SVG icon's root element must be <svg> in the SVG namespace.")
    return text


def icon_set(*, png=None, svg_text=None):
    """Return {file name: bytes} of the whole set, from the project's drawing or from a site's square PNG (+ SVG).

    Without a site's SVG, the SVG icon shows its PNG (192 px, embedded), so
    browsers that prefer the SVG show the site's icon too.
    """
    if svg_text is not None and png is None:
        raise IconSourceError("give a PNG with the SVG: Pillow cannot draw SVG, and the other icons are rasters.")
    if png is None:
        make = draw
        svg_text = svg()
    else:
        source = _from_source(png)

        def make(size, *, rounded=True):
            return source.resize((size, size), Image.Resampling.LANCZOS)

        if svg_text is None:
            embedded = base64.b64encode(_png(make(192))).decode("ascii")
            svg_text = (
                '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 192 192">'
                f'<image width="192" height="192" href="data:image/png;base64,{embedded}"/></svg>\n'
            )
        else:
            svg_text = _check_svg(svg_text)
    files = {icons.SVG: svg_text.encode()}
    favicons = [make(size) for size in icons.FAVICON_SIZES]
    out = io.BytesIO()
    favicons[-1].save(out, "ICO", sizes=[(size, size) for size in icons.FAVICON_SIZES], append_images=favicons[:-1])
    files[icons.FAVICON] = out.getvalue()
    files[icons.APPLE_TOUCH] = _png(_opaque(make(icons.APPLE_TOUCH_SIZE, rounded=False)))
    for size in icons.MANIFEST_SIZES:
        files[icons.manifest_png(size)] = _png(make(size))
    return files
