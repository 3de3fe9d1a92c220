#!/usr/bin/env python3
"""Images (issue 16): what a cover costs a page, what renditions weigh, what an image stores.

    .venv/bin/python bench/images_bench.py [--repeats 300]

In-process, on a throwaway SQLite database (the page's own Python and SQL,
no network): a site of 200 articles; the same article page with and without
a cover, requested alternately with the page cache off, median of the
repeats. The "typical photo" is synthetic (a 3000×2000 scene with noise at
several scales, so every rendition keeps detail; JPEG quality 90): no real
photo ships with the project. Page weight at 375 px: the HTML, the stylesheet and
the cover rendition a 375-px phone at 2x picks from the srcset (the
1x choice too).
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intimacyhub.settings")
os.environ.pop("DATABASE_URL", None)


def typical_photo():
    """A 3000×2000 JPEG with detail at every scale (as foliage, fabric or skin have), so renditions keep some."""
    from PIL import Image, ImageDraw, ImageFilter

    size = (3000, 2000)
    scene = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(scene)
    draw.ellipse((600, 300, 1900, 1600), fill=(190, 120, 80))
    draw.rectangle((1700, 900, 2800, 1900), fill=(60, 90, 120))
    scene = scene.filter(ImageFilter.GaussianBlur(12))
    for scale, weight in ((32, 0.25), (8, 0.2), (2, 0.15), (1, 0.08)):
        coarse = Image.effect_noise((size[0] // scale, size[1] // scale), 64).convert("RGB")
        scene = Image.blend(scene, coarse.resize(size, Image.Resampling.BICUBIC), weight)
    out = io.BytesIO()
    scene.save(out, "JPEG", quality=90)
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()

    import django

    media = tempfile.mkdtemp(prefix="images-bench-")
    os.environ["DJANGO_MEDIA_ROOT"] = media
    django.setup()
    from django.conf import settings
    from django.core.files.storage import default_storage
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    settings.INTIMACYHUB_PAGE_CACHE = False
    settings.ALLOWED_HOSTS = ["*"]
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)

    from articles import related
    from images import services
    from tests.factories import ArticleFactory, PersonFactory

    author = PersonFactory()
    for _ in range(200):
        ArticleFactory(author=author)
    data = typical_photo()
    started = time.perf_counter()
    image = services.image_create(data=data, slug="typical", alt="A typical photo")
    saved_in = time.perf_counter() - started
    body = "\n\n".join(["A paragraph of ordinary length about talking with a partner. " * 6] * 12)
    plain = ArticleFactory(slug="without-cover", body=body, author=author)
    covered = ArticleFactory(slug="with-cover", body=body, author=author, cover=image)
    for article in (plain, covered):
        article.render()
        article.save()
    related.refresh_all()

    client = Client()
    timings = {"without": [], "with": []}
    for url in ("/articles/without-cover/", "/articles/with-cover/"):
        client.get(url)  # warm
    for _ in range(args.repeats):
        for name, url in (("without", "/articles/without-cover/"), ("with", "/articles/with-cover/")):
            started = time.perf_counter()
            response = client.get(url)
            timings[name].append(time.perf_counter() - started)
            assert response.status_code == 200
    if os.environ.get("IMAGES_BENCH_PROFILE"):
        import cProfile
        import pstats

        with cProfile.Profile() as profile:
            for _ in range(50):
                client.get("/articles/with-cover/")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    html = client.get("/articles/with-cover/").content
    css = (ROOT / "static" / "css" / "site.css").stat().st_size

    renditions = {(r.kind, r.width, r.format): r.bytes for r in image.renditions.all()}
    original = default_storage.size(image.file.name)
    stored = original + sum(renditions.values())
    at_2x = renditions[("width", 960, "WEBP")]  # 343 css px × 2 = 686 px: the 960w candidate
    at_1x = renditions[("width", 480, "WEBP")]
    without, with_ = statistics.median(timings["without"]) * 1000, statistics.median(timings["with"]) * 1000
    print(f"upload of the typical photo ({len(data) / 1024:.0f} KB JPEG, 3000×2000): {saved_in:.2f} s to store")
    print(
        f"article page, median of {args.repeats}: without cover {without:.2f} ms, with {with_:.2f} ms "
        f"({(with_ / without - 1) * 100:+.1f}%)"
    )
    print(
        f"page weight at 375 px: HTML {len(html) / 1024:.1f} KB + CSS {css / 1024:.1f} KB + cover "
        f"{at_2x / 1024:.1f} KB (WebP 960w, 2x) = {(len(html) + css + at_2x) / 1024:.1f} KB "
        f"({(len(html) + css + at_1x) / 1024:.1f} KB at 1x with the 480w WebP)"
    )
    for key in sorted(renditions):
        print(f"  rendition {key[0]} {key[1]} {key[2]}: {renditions[key] / 1024:.1f} KB")
    print(
        f"storage for the image: original {original / 1024:.0f} KB + renditions "
        f"{sum(renditions.values()) / 1024:.0f} KB = {stored / 1024:.0f} KB"
    )


if __name__ == "__main__":
    main()
