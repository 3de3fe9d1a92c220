"""The site package keeps no models: the content generation is the page cache's (pagecache/models.py)."""
