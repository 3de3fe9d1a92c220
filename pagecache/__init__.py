"""The page cache app: `cache.py` (the generation, the middleware), `models.py` (the generation's row)."""
