"""JSON error bodies for every API failure, including Django's own 404 and 500 pages."""

from django.http import JsonResponse
from rest_framework.views import exception_handler


def json_exception_handler(exc, context):
    """DRF's handler, with a `detail` key added when DRF reports field errors only."""
    response = exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": "Invalid request.", "errors": response.data}
    return response


def bad_request(request, exception=None):
    return JsonResponse({"detail": "Bad request."}, status=400)


def forbidden(request, exception=None):
    return JsonResponse({"detail": "Forbidden."}, status=403)


def not_found(request, exception=None):
    return JsonResponse({"detail": "Not found."}, status=404)


def server_error(request):
    return JsonResponse({"detail": "Server error."}, status=500)
