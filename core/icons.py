"""The site's icon set: its files' names and sizes, and the site's colours they use.

The files (static/img/icons/, written by `manage.py make_icons`) are static
files like any other, so pages link the SVG and the manifest lists the PNGs
by their hashed names, cached for a year. Two of them must also answer at
fixed addresses browsers ask for without reading any page, /favicon.ico and
/apple-touch-icon.png (iOS): WhiteNoise serves the folder at the site's root
too (WHITENOISE_ROOT in the settings, which say how long they are cached).
"""

from pathlib import Path

ICONS = "img/icons"  # under static/
ICONS_DIR = Path(__file__).resolve().parent.parent / "static" / ICONS
SVG = "icon.svg"
FAVICON = "favicon.ico"
FAVICON_SIZES = (16, 32, 48)
APPLE_TOUCH = "apple-touch-icon.png"
APPLE_TOUCH_SIZE = 180
# The web app manifest's icons (Android and desktop installs ask for these two sizes).
MANIFEST_SIZES = (192, 512)
# The site's colours (static/css/site.css, light scheme): --accent, --bg.
THEME_COLOUR = "#1d5b79"
BACKGROUND_COLOUR = "#fdfcfa"


def manifest_png(size):
    return f"icon-{size}.png"
