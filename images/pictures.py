"""An image's rendition set as pages write it: sources, sizes, the social card.

Built from the image's row alone (`Image.renditions_data`), with URLs from the
storage API: nothing here opens a file or calls Pillow.
"""

from functools import cached_property, lru_cache

from django.core.files.storage import storages


def url(name):
    """The public URL of a stored file, as the default storage gives it (remembered: it costs ~20 µs each)."""
    storage = storages["default"]
    if getattr(storage, "querystring_auth", False):
        return storage.url(name)  # signed URLs expire: never remembered
    return _url(storage, name)


@lru_cache(maxsize=8192)
def _url(storage, name):
    # Keyed by the storage object too: a change of STORAGES makes a new one.
    return storage.url(name)


class Picture:
    """The sources of one image's rendition set, as the macro writes them."""

    def __init__(self, image):
        self.image = image
        self.widths = [r for r in image.renditions_data if r["kind"] == "width"]
        self.card = next((r for r in image.renditions_data if r["kind"] == "card"), None)

    def __bool__(self):
        return bool(self.widths)

    def _srcset(self, fmt):
        return ", ".join(f"{url(r['name'])} {r['width']}w" for r in self.widths if r["format"] == fmt)

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
        return url(min(fitting, key=lambda r: r["width"])["name"])

    @property
    def width(self):
        return self.largest["width"]

    @property
    def height(self):
        return self.largest["height"]

    @property
    def alt(self):
        return self.image.text_alternative
