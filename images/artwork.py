"""Pictures made for the project with Pillow, deterministic: the site's default social card and the demo cover.

Drawn from code, so they carry no one else's copyright; they are dedicated
to the public domain (CC0 1.0), like the rest of the project's own artwork
(static/img/LICENSE.md). `manage.py make_artwork` writes the social card to
static/img/; the demo cover is drawn when `load_demo` runs.
"""

import io
import math

from PIL import Image, ImageDraw, ImageFilter

from core.context_processors import DEFAULT_SOCIAL_IMAGE as SOCIAL_DEFAULT  # noqa: F401 (make_artwork writes it)

SOCIAL_DEFAULT_SIZE = (1200, 630)


def _sky(size, top, bottom):
    width, height = size
    sky = Image.new("RGB", size)
    draw = ImageDraw.Draw(sky)
    for y in range(height):
        t = y / max(1, height - 1)
        draw.line([(0, y), (width, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    return sky


def _hills(picture, *, colour, base, amplitude, wavelength, phase):
    width, height = picture.size
    points = [(x, base + amplitude * math.sin(x / wavelength + phase)) for x in range(0, width + 8, 8)]
    ImageDraw.Draw(picture).polygon([(0, height), *points, (width, height)], fill=colour)


def social_default():
    """The site's default link-preview card, 1200×630 PNG bytes: dusk hills under a low sun."""
    picture = _sky(SOCIAL_DEFAULT_SIZE, (29, 91, 121), (232, 241, 245))
    draw = ImageDraw.Draw(picture)
    draw.ellipse((820, 170, 1000, 350), fill=(253, 236, 200))
    _hills(picture, colour=(120, 150, 160), base=430, amplitude=40, wavelength=160, phase=0.5)
    _hills(picture, colour=(70, 105, 120), base=500, amplitude=30, wavelength=110, phase=2.0)
    _hills(picture, colour=(31, 35, 40), base=570, amplitude=18, wavelength=90, phase=4.0)
    draw.rounded_rectangle((80, 90, 560, 250), radius=24, fill=(253, 252, 250))
    draw.text((120, 130), "IntimacyHub", fill=(29, 91, 121), font_size=64)
    draw.text((120, 205), "Calm, sourced writing", fill=(85, 93, 102), font_size=28)
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()


def demo_cover():
    """The demo article's cover, 1800×1100 JPEG bytes: two overlapping circles of soft light over water."""
    size = (1800, 1100)
    picture = _sky(size, (240, 214, 190), (120, 160, 180))
    glow = Image.new("RGB", size, (0, 0, 0))
    draw = ImageDraw.Draw(glow)
    draw.ellipse((520, 220, 1020, 720), fill=(255, 196, 150))
    draw.ellipse((820, 260, 1300, 740), fill=(170, 200, 235))
    glow = glow.filter(ImageFilter.GaussianBlur(40))
    picture = Image.blend(picture, glow, 0.45)
    for i, y in enumerate(range(800, 1100, 22)):
        ImageDraw.Draw(picture).line([(0, y), (1800, y + (i % 3) * 4)], fill=(90, 130, 150), width=3)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()
