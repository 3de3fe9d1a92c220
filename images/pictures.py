"""An image's rendition set as pages write it: sources, sizes, the social card.

Built from the image's row alone (`Image.renditions_data`), with URLs from the
storage API: nothing here opens a file or calls Pillow.
"""

from functools import cached_property

from django.core.files.storage import default_storage


class Picture:
    """The sources of one image's rendition set, as the macro writes them."""

    def __init__(self, image):
        self.image = image
        self.widths = [r for r in image.renditions_data if r["kind"] == "width"]
        self.card = next((r for r in image.renditions_data if r["kind"] == "card"), None)

    def __bool__(self):
        return bool(self.widths)

    def _srcset(self, fmt):
        return ", ".join(f"{default_storage.url(r['name'])} {r['width']}w" for r in self.widths if r["format"] == fmt)

    @cached_property
    def fallback_format(self):
        return self.image.format if any(r["format"] == self.image.format for r in self.widths) else "WEBP"

    @property
    def webp_srcset(self):
        return self._srcset("WEBP") if self.fallback_format != "WEBP" else ""

    @property
    def srcset(self):
        return self._srcset(self.fallback_format)

    @cached_property
    def largest(self):
        return max((r for r in self.widths if r["format"] == self.fallback_format), key=lambda r: r["width"])

    @property
    def src(self):
        # The smallest that fills a phone screen: what a browser without srcset gets.
        fitting = [r for r in self.widths if r["format"] == self.fallback_format]
        return default_storage.url(min(fitting, key=lambda r: r["width"])["name"])

    @property
    def width(self):
        return self.largest["width"]

    @property
    def height(self):
        return self.largest["height"]

    @property
    def alt(self):
        return self.image.text_alternative
