# The page cache fixture, shared with the page cache tests.
from tests.pagecache.test_cache import page_cache  # noqa: F401
