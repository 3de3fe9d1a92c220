"""Media on object storage: MEDIA_STORAGE_URL, against moto's standalone S3-compatible server.

The server (moto_server, from the moto[server] test requirement) runs on a
loopback port for this module; uploads go through the real upload view
(core/uploads.py) into its bucket, and the link the view returns fetches the
re-encoded image back from it over HTTP.
"""

import io
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from intimacyhub.settings import object_storage
from tests.pagecache.test_varnish import free_port
from tests.test_uploads import image_bytes, upload

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
MOTO_SERVER = Path(sys.executable).parent / "moto_server"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    if not MOTO_SERVER.exists():
        pytest.fail(f"moto_server is missing ({MOTO_SERVER}): pip install -r requirements.txt")
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    process = subprocess.Popen(
        [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)], stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto_server did not start: {log.read_text()}")
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    import boto3

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket="media")
    # Readers fetch the images straight from the bucket (or a CDN in front): objects are public.
    public_read = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::media/*"}
    client.put_bucket_policy(Bucket="media", Policy=json.dumps({"Version": "2012-10-17", "Statement": [public_read]}))
    storage, _origin = object_storage(f"s3://media/site?endpoint_url={s3_endpoint}&region_name=us-east-1")
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    yield client
    for item in client.list_objects_v2(Bucket="media").get("Contents", []):
        client.delete_object(Bucket="media", Key=item["Key"])
    client.delete_bucket(Bucket="media")


@pytest.fixture
def writer_upload_client(roles):
    from django.test import Client

    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(role="Writer"))
    return client


def test_uploads_go_to_the_bucket_and_their_link_serves_the_re_encoded_image(
    bucket, s3_endpoint, writer_upload_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path  # nothing may land on the local disk
    response = upload(writer_upload_client, image_bytes("PNG", size=(40, 30)), name="photo.png")
    assert response.status_code == 200, response.content
    code = response.json()["image_code"]
    prefix = f"![]({s3_endpoint}/media/site/uploads/"
    assert code.startswith(prefix) and code.endswith(".png)")
    [key] = [item["Key"] for item in bucket.list_objects_v2(Bucket="media")["Contents"]]
    assert key.startswith("site/uploads/") and code.endswith(key.rsplit("/", 1)[1] + ")")
    assert not any(tmp_path.rglob("*"))
    with urllib.request.urlopen(code[len("![](") : -1], timeout=10) as served:
        with Image.open(io.BytesIO(served.read())) as image:
            assert image.format == "PNG" and image.size == (40, 30)
    assert default_storage.exists(key.removeprefix("site/"))


def test_a_refused_upload_stores_nothing_in_the_bucket(bucket, writer_upload_client):
    response = upload(writer_upload_client, b"not an image at all", name="photo.png")
    assert response.status_code == 400
    assert "Contents" not in bucket.list_objects_v2(Bucket="media")


def _settings_of(code, **env):
    return subprocess.run(
        [sys.executable, "-c", f"from django.conf import settings as s; {code}"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MEDIA_"))}
        | {"DJANGO_SETTINGS_MODULE": "intimacyhub.settings", "DJANGO_DEBUG": "1"}
        | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_media_storage_url_selects_the_bucket_and_allows_its_public_origin_in_the_csp():
    result = _settings_of(
        "o = s.STORAGES['default']['OPTIONS']; print(s.STORAGES['default']['BACKEND'], o['bucket_name'], "
        "o['location'], o['custom_domain'], o['url_protocol'], o['querystring_auth'], "
        "' '.join(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))",
        MEDIA_STORAGE_URL="s3://media/site?endpoint_url=http://10.0.0.5:9000&public_url=https://cdn.example.org/m",
    )
    assert result.stdout.split() == [
        "storages.backends.s3.S3Storage",
        "media",
        "site",
        "cdn.example.org/m",
        "https:",
        "False",
        "'self'",
        "data:",
        "https://cdn.example.org",
    ]


def test_without_media_storage_url_uploads_stay_on_the_local_disk():
    result = _settings_of("print(s.STORAGES['default']['BACKEND'])")
    assert result.stdout.strip() == "django.core.files.storage.FileSystemStorage"


@pytest.mark.parametrize(
    "url",
    [
        "https://media.example.org/bucket",
        "s3://key:secret@media",
        "s3://media?endpoint=http://10.0.0.5:9000",
        "s3://media?public_url=ftp://example.org",
    ],
)
def test_a_malformed_media_storage_url_stops_the_site(url):
    result = _settings_of("print(s.STORAGES)", MEDIA_STORAGE_URL=url)
    assert result.returncode != 0 and "MEDIA_STORAGE_URL" in result.stderr


def test_library_images_and_their_renditions_live_in_the_bucket(
    bucket, s3_endpoint, client, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from articles.models import Article
    from core.rendering import render_markdown
    from tests.factories import ArticleFactory, make_image

    settings.MEDIA_ROOT = tmp_path  # nothing may land on the local disk
    settings.MEDIA_ORIGIN = s3_endpoint  # what MEDIA_STORAGE_URL's public origin would be
    image = make_image(slug="lake", size=(1000, 600))
    keys = {item["Key"] for item in bucket.list_objects_v2(Bucket="media")["Contents"]}
    stored = {f"site/{image.file.name}", *(f"site/{r.file.name}" for r in image.renditions.all())}
    assert keys == stored and len(keys) == 1 + 3 * 2 + 1  # the original; 480, 960 and its own 1000 twice; the card
    card = image.renditions.get(kind="card")
    with urllib.request.urlopen(f"{s3_endpoint}/media/site/{card.file.name}", timeout=10) as served:
        with Image.open(io.BytesIO(served.read())) as picture:
            assert picture.size == (1200, 630)
    article = ArticleFactory(cover=image, body="![](image:lake)")
    article.body_html = render_markdown(article.body)
    Article.objects.filter(pk=article.pk).update(body_html=article.body_html)
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'srcset="{s3_endpoint}/media/site/images/' in html
    assert html.count("<picture>") == 2  # the cover, and the body's reference kept by the sanitizer
    assert not any(tmp_path.rglob("*"))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rebuild_renditions", stdout=io.StringIO())
    after = {item["Key"] for item in bucket.list_objects_v2(Bucket="media")["Contents"]}
    assert f"site/{image.file.name}" in after and len(after) == len(keys)
