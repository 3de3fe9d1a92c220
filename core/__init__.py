"""The shared utilities every app uses; it imports no app.

- `rendering.py`: the one Markdown renderer (Python-Markdown, then nh3).
- `pagination.py`: keyset pagination and the one keyset predicate.
- `compiled.py`: queries compiled once per process; `sql.py`: the SQLite
  LIMIT-in-UNION workaround, written once.
- `cacheable.py`: which query parameters each view reads, for the page cache.
- `links.py`: reverse(), remembered; `templating.py`: the Jinja2 environment;
  `context_processors.py`: what every page's template gets.
- `uploads.py`: safe image uploads; `signin.py`: sign-in throttling.
- `middleware.py`, `views.py`, `outages.py`: security headers, the health check
  and error pages, and what counts as the database being unavailable.
- `forms.py`: form helpers shared by the admins.
"""
