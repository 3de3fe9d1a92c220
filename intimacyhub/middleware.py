from django.db import DatabaseError

from intimacyhub.views import database_unavailable


class DatabaseUnavailableMiddleware:
    """Turn a database outage into a 503 page instead of a traceback.

    Django's handler500 catches the rest; this also covers DEBUG mode, where
    Django would show its technical error page instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DatabaseError):
            return database_unavailable()
        return None
