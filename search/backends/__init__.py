"""Search backends: `base.SearchBackend` is the interface, one subclass per database (postgres.py, sqlite.py)."""
