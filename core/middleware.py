from core.outages import is_database_unavailable
from core.views import database_unavailable


class DatabaseUnavailableMiddleware:
    """Turn a database outage into a 503 page instead of a traceback.

    Only an outage (core.outages): any other exception, database errors
    included, goes on to Django, which logs it with its traceback and answers
    500 (handler500). This also covers DEBUG mode, where Django would show its
    technical error page instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_unavailable(exception):
            return database_unavailable()
        return None
