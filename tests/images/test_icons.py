"""The site's icon set (issue 16), drawn from one picture: the project's own, or a site's PNG (and SVG)."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from core import icons
from images.icons import MIN_SOURCE, icon_set


def decoded(content):
    picture = Image.open(io.BytesIO(content))
    picture.load()
    return picture


def test_favicon_holds_16_32_and_48_pixel_icons():
    favicon = decoded((icons.ICONS_DIR / icons.FAVICON).read_bytes())
    assert favicon.format == "ICO"
    assert favicon.ico.sizes() == {(size, size) for size in icons.FAVICON_SIZES}
    for size in icons.FAVICON_SIZES:
        assert favicon.ico.getimage((size, size)).size == (size, size)


def test_apple_touch_icon_is_an_opaque_180_pixel_square():
    # iOS fills transparency with black: the icon has none.
    apple = decoded((icons.ICONS_DIR / icons.APPLE_TOUCH).read_bytes())
    assert (apple.format, apple.size, apple.mode) == ("PNG", (180, 180), "RGB")


def test_the_committed_icons_are_what_make_icons_draws():
    # The SVG and the rasters come from one drawing: editing one by hand would make them disagree.
    for name, content in icon_set().items():
        assert (icons.ICONS_DIR / name).read_bytes() == content, name


def test_the_svg_icon_is_the_drawings_shape_in_the_sites_colours():
    svg = (icons.ICONS_DIR / icons.SVG).read_text()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">')
    assert 'fill="#1d5b79"' in svg and 'fill="#e8f1f5"' in svg


def square_png(size, colour=(200, 80, 60, 255)):
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, "PNG")
    return out.getvalue()


def test_make_icons_makes_a_sites_set_from_its_png(tmp_path):
    source = tmp_path / "logo.png"
    source.write_bytes(square_png((600, 520)))
    call_command("make_icons", png=source, output=tmp_path / "out", stdout=io.StringIO())
    out = tmp_path / "out"
    assert decoded((out / "icon-512.png").read_bytes()).size == (512, 512)
    assert decoded((out / "icon-192.png").read_bytes()).size == (192, 192)
    assert decoded((out / icons.APPLE_TOUCH).read_bytes()).size == (180, 180)
    assert decoded((out / icons.FAVICON).read_bytes()).ico.sizes() == {(16, 16), (32, 32), (48, 48)}
    # A wide source is centred on a transparent square, not stretched or cropped.
    corner = decoded((out / "icon-512.png").read_bytes()).getpixel((256, 2))
    assert corner[3] == 0
    # Browsers that prefer the SVG icon show the site's PNG too.
    assert 'href="data:image/png;base64,' in (out / icons.SVG).read_text()


def test_make_icons_takes_a_sites_svg_with_its_png(tmp_path):
    (tmp_path / "logo.png").write_bytes(square_png((512, 512)))
    own = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>'
    (tmp_path / "logo.svg").write_text(own)
    call_command(
        "make_icons",
        png=tmp_path / "logo.png",
        svg=tmp_path / "logo.svg",
        output=tmp_path / "out",
        stdout=io.StringIO(),
    )
    assert (tmp_path / "out" / icons.SVG).read_text() == own


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"png": square_png((256, 256))}, f"at least {MIN_SOURCE}x{MIN_SOURCE}"),
        ({"png": b"not an image"}, "not an image Pillow can read"),
        ({"svg": '<svg xmlns="http://www.w3.org/2000/svg"/>'}, "give a PNG with the SVG"),
        ({"png": square_png((512, 512)), "svg": "<svg"}, "not well-formed"),
        ({"png": square_png((512, 512)), "svg": "<html/>"}, "root element must be <svg>"),
    ],
)
def test_make_icons_refuses_a_source_that_cannot_make_the_set_and_writes_nothing(tmp_path, files, message):
    options = {}
    for kind, content in files.items():
        path = tmp_path / f"source.{kind}"
        (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
        options[kind] = path
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("make_icons", output=tmp_path / "out", stdout=io.StringIO(), **options)
    assert not (tmp_path / "out").exists()


def test_make_icons_refuses_a_jpeg_source(tmp_path):
    out = io.BytesIO()
    Image.new("RGB", (600, 600)).save(out, "JPEG")
    (tmp_path / "logo.jpg").write_bytes(out.getvalue())
    with pytest.raises(CommandError, match="must be a PNG"):
        call_command("make_icons", png=tmp_path / "logo.jpg", output=tmp_path / "out", stdout=io.StringIO())
