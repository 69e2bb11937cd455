"""Site-wide views."""

from django.http import JsonResponse
from django.views import defaults


def page_not_found(request, exception):
    """JSON under /api/ (clients parse every answer there), the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
