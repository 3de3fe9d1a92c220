"""The stylesheets keep their promises: AA contrast in light and dark, a print sheet."""

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parent.parent / "static" / "css"
SITE_CSS = (CSS / "site.css").read_text()

# (text, background) pairs the templates actually use.
PAIRS = [
    ("fg", "bg"),
    ("muted", "bg"),
    ("accent", "bg"),
    ("accent", "accent-bg"),
    ("fg", "accent-bg"),
    ("muted", "accent-bg"),
    ("warn-fg", "warn-bg"),
    ("fg", "crisis-bg"),
    ("accent", "crisis-bg"),
    ("bg", "accent"),  # the search button
]


def palette(block):
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", block))


def luminance(hex_colour):
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


LIGHT = palette(SITE_CSS.split("@media (prefers-color-scheme: dark)")[0])
DARK = LIGHT | palette(re.search(r"@media \(prefers-color-scheme: dark\)\s*\{(.*?)\}\s*\}", SITE_CSS, re.S).group(1))


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_meets_wcag_aa_contrast(scheme, text, background):
    colours = LIGHT if scheme == "light" else DARK
    assert contrast(colours[text], colours[background]) >= 4.5


def test_dark_scheme_overrides_every_colour():
    assert set(DARK) == set(LIGHT) and all(DARK[k] != LIGHT[k] for k in LIGHT)


def test_focus_is_always_visible():
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid", SITE_CSS)


def test_print_sheet_hides_navigation_and_shows_link_targets():
    print_css = (CSS / "print.css").read_text()
    assert ".site-header nav" in print_css and 'content: " (" attr(href) ")"' in print_css
